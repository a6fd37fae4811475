/*
 * loadgen: drives a chat server, or ngircd, with thousands of connections
 * from one thread, and reports what it measured as one line of JSON.
 *
 *   loadgen -p PORT [-6] [-I] [-P PID] [-i IDLE] [-n PAIRS] [-w WINDOW]
 *           [-d SECONDS] [-b BYTES] [-l] [-s] [-F BYTES_PER_S]
 *           [-c CONNECTING] [-t STALL_S] [-T DEADLINE_S]
 *
 * It only ever connects to 127.0.0.1 (or ::1 with -6) on PORT. The run:
 *
 *   registration  IDLE idle clients, PAIRS senders and receivers, a lister
 *                 (-l) and a slow reader with its flooder (-s) connect and
 *                 register, at most CONNECTING at a time.
 *   warm-up       every sender keeps WINDOW messages in flight to its
 *                 receiver: a new one leaves when one arrives (0.5 s).
 *   measurement   the same for SECONDS. The lister sends /list, waits for the
 *                 answer, pauses 20 ms, and again. The slow reader never
 *                 reads; the flooder sends it BYTES_PER_S of messages, and
 *                 when the server drops it, a new slow reader takes its place.
 *   drain         the senders stop; every message must still arrive.
 *
 * Each message carries its number and the time it was sent, so the receiver
 * checks the order and measures the delivery latency. The server's resident
 * memory, threads and CPU time are read from /proc/PID (-P) ten times a
 * second. -I speaks IRC (NICK/USER, PRIVMSG, NAMES) to measure ngircd the
 * same way.
 *
 * Everything is bounded in time: when no client registers or no message
 * arrives for STALL_S seconds, when the server closes a connection it should
 * not, exits or answers wrongly, or after DEADLINE_S seconds in all, loadgen
 * prints what went wrong (in the JSON and on standard error) and exits 1.
 * Bad usage exits 2.
 */
#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "dialect.h"
#include "hist.h"
#include "procmon.h"

#define MS 1000000ULL    /* nanoseconds in a millisecond */
#define SEC 1000000000ULL

#define WARMUP (SEC / 2)       /* traffic before the measurement starts */
#define DRAIN (5 * SEC)        /* how long the last messages may take */
#define SAMPLE_EVERY (100 * MS) /* /proc sampling of the server */
#define LIST_PAUSE (20 * MS)   /* between one /list answer and the next */
#define FLOOD_QUEUE (256 * 1024) /* the flooder waits beyond this backlog */
#define SLOW_MAX 1000          /* slow readers replaced at most */
#define FD_SPARE 64            /* descriptors kept for everything else */
#define SWITCHES_MAX_THREADS 1000 /* more, and context switches go uncounted */

enum role { IDLE, SENDER, RECEIVER, LISTER, SLOW, FLOODER };

static const char *const role_name[] = {
	"idle client", "sender", "receiver", "lister", "slow reader", "flooder",
};
static const char role_letter[] = "isrlwf";

struct client {
	struct conn *conn;       /* NULL until connecting, and after closing */
	enum role role;
	char name[16];
	bool registered;
	struct client *peer;     /* SENDER<->RECEIVER; FLOODER: its slow reader */
	uint64_t seq;            /* SENDER: next to send; RECEIVER: next due */
	int inflight;            /* SENDER: messages sent, not yet delivered */
	uint64_t list_sent;      /* LISTER: when the /list left; 0: none due */
	uint64_t list_next;      /* LISTER: when to send the next one */
	size_t list_names;       /* LISTER: names in the answer so far */
};

struct options {
	int port;
	bool ipv6, irc, lister, slow;
	pid_t pid;
	int idle, pairs, window, seconds, bytes, connecting, stall_s, deadline_s;
	long flood_rate; /* bytes a second */
};

enum phase { REGISTRATION, WARMUP_PHASE, MEASUREMENT, DRAIN_PHASE, DONE };

static const char *const phase_name[] = {
	"registration", "warm-up", "measurement", "drain", "done",
};

/* The whole state of the run. One thread: no locks. */
static struct {
	struct options opt;
	const struct dialect *d;
	enum phase phase;
	struct client *clients;
	int planned;           /* clients[0..planned) exist */
	int opened;            /* clients[0..opened) have connected */
	int registered;        /* of those, how many were welcomed */
	int first_registered;  /* how many registration timed (t_registered) */
	struct client *lister, *flooder, *slow;
	uint64_t t_start, t_registered, t_measure, t_end, t_sample;
	uint64_t last_progress; /* a registration, delivery or /list answer */
	struct hist lat, list;
	uint64_t delivered;    /* messages that arrived during measurement */
	uint64_t inflight;     /* sent, not yet delivered, over all senders */
	size_t list_names;     /* names in the last complete /list answer */
	long slow_dropped;     /* slow readers the server disconnected */
	uint64_t flood_bytes, flood_t0;
	struct procmon_sample peak, cpu0, cpu1;
	double own_cpu0, own_cpu1, busy0, busy1;
	long long switches0, switches1; /* the server's; -1: not counted */
	char pad[1024];        /* filler that brings messages to -b bytes */
} run;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

/* Seconds of CPU this process has used. */
static double own_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Prints s as a JSON string: quoted, with what needs it escaped. */
static void json_string(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static double us(uint64_t ns)
{
	return (double)ns / 1e3;
}

/* Prints everything measured so far as one JSON object; error may be NULL. */
static void report(const char *error)
{
	double reg_s = (double)(run.t_registered - run.t_start) / 1e9;
	double window = (double)(run.t_end - run.t_measure) / 1e9;

	printf("{\"ok\": %s, \"error\": ", error ? "false" : "true");
	if (error)
		json_string(error);
	else
		printf("null");
	printf(", \"phase\": \"%s\", \"dialect\": \"%s\", \"clients\": %d, "
	       "\"idle\": %d, \"pairs\": %d, \"window\": %d, \"seconds\": %.2f, ",
	       phase_name[run.phase], run.d->name, run.registered, run.opt.idle,
	       run.opt.pairs, run.opt.window, window);
	printf("\"register_s\": %.3f, \"register_per_s\": %.0f, \"delivered\": %"
	       PRIu64 ", \"msgs_per_s\": %.0f, ", reg_s,
	       reg_s > 0 ? run.first_registered / reg_s : 0, run.delivered,
	       window > 0 ? (double)run.delivered / window : 0);
	printf("\"lat_p50_us\": %.1f, \"lat_p90_us\": %.1f, \"lat_p99_us\": %.1f, "
	       "\"lat_max_us\": %.1f, \"lat_mean_us\": %.1f, ",
	       us(hist_percentile(&run.lat, 0.5)), us(hist_percentile(&run.lat, 0.9)),
	       us(hist_percentile(&run.lat, 0.99)), us(hist_max(&run.lat)),
	       hist_mean(&run.lat) / 1e3);
	printf("\"lists\": %" PRIu64 ", \"list_p50_ms\": %.2f, \"list_max_ms\": %.2f, "
	       "\"list_names\": %zu, \"slow_dropped\": %ld, \"flood_mib\": %.1f, ",
	       hist_count(&run.list), us(hist_percentile(&run.list, 0.5)) / 1e3,
	       us(hist_max(&run.list)) / 1e3, run.list_names, run.slow_dropped,
	       (double)run.flood_bytes / 1048576.0);
	printf("\"server_switches_per_msg\": ");
	if (run.switches1 >= run.switches0 && run.switches0 >= 0 && run.delivered > 0)
		printf("%.2f, ", (double)(run.switches1 - run.switches0) /
				 (double)run.delivered);
	else
		printf("null, ");
	printf("\"rss_mib\": %.1f, \"threads\": %ld, \"server_cpu\": %.2f, "
	       "\"loadgen_cpu\": %.2f, \"machine_cpu\": %.2f}\n",
	       (double)run.peak.rss_kib / 1024.0, run.peak.threads,
	       window > 0 ? (run.cpu1.cpu_s - run.cpu0.cpu_s) / window : 0,
	       window > 0 ? (run.own_cpu1 - run.own_cpu0) / window : 0,
	       window > 0 ? (run.busy1 - run.busy0) / window : 0);
	fflush(stdout);
}

/* Reports what went wrong, with the figures so far, and exits 1. */
static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	char msg[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (run.t_end == 0)
		run.t_end = run.t_measure; /* no throughput from a cut-short window */
	if (run.t_registered == 0) {
		run.t_registered = now_ns();
		run.first_registered = run.registered;
	}
	report(msg);
	errx(1, "%s during %s", msg, phase_name[run.phase]);
}

/* Samples the server's memory, threads and CPU; fails when it has exited. */
static void sample_server(struct procmon_sample *s)
{
	struct procmon_sample tmp;

	if (run.opt.pid <= 0)
		return;
	if (s == NULL)
		s = &tmp;
	if (!procmon_sample(run.opt.pid, s))
		fail("the server (pid %d) has exited", (int)run.opt.pid);
	if (s->rss_kib > run.peak.rss_kib)
		run.peak.rss_kib = s->rss_kib;
	if (s->threads > run.peak.threads)
		run.peak.threads = s->threads;
}

/*
 * True when the server has exited. A dying process closes its sockets before
 * it becomes a zombie, so give it a moment before deciding.
 */
static bool server_gone(void)
{
	struct procmon_sample s;

	if (run.opt.pid <= 0)
		return false;
	usleep(100 * 1000);
	return !procmon_sample(run.opt.pid, &s);
}

/* Sends len bytes to cl, or fails the run. */
static void send_or_fail(struct client *cl, const char *buf, int len)
{
	if (len < 0 || conn_send(cl->conn, buf, (size_t)len) < 0)
		fail("cannot send to the server as %s (%s): %s", cl->name,
		     role_name[cl->role], strerror(errno));
}

/* ---- clients and registration -------------------------------------- */

/* Adds a client with role to the plan; it connects later. */
static struct client *plan(enum role role)
{
	struct client *cl = &run.clients[run.planned];

	*cl = (struct client){ .role = role };
	snprintf(cl->name, sizeof(cl->name), "%c%d", role_letter[role],
		 run.planned);
	run.planned++;
	return cl;
}

static void open_client(struct client *cl)
{
	cl->conn = conn_open(run.opt.ipv6, run.opt.port, cl);
	if (cl->conn == NULL)
		fail("cannot connect to %s port %d: %s",
		     run.opt.ipv6 ? "::1" : "127.0.0.1", run.opt.port,
		     strerror(errno));
}

/* Connects planned clients, keeping at most -c registrations under way. */
static void open_more(void)
{
	while (run.opened < run.planned &&
	       run.opened - run.registered < run.opt.connecting)
		open_client(&run.clients[run.opened++]);
}

static void on_connect(struct conn *c)
{
	struct client *cl = c->user;
	char buf[128];

	send_or_fail(cl, buf, run.d->hello(buf, sizeof(buf), cl->name));
}

/* A slow reader was welcomed: it stops reading, and the flood turns to it. */
static void slow_ready(struct client *cl)
{
	conn_pause(cl->conn);
	run.slow = cl;
	run.flooder->peer = cl;
}

/* The server dropped the slow reader (as it should): start another. */
static void slow_dropped(void)
{
	struct client *old = run.slow;

	run.slow = NULL;
	run.flooder->peer = NULL;
	run.slow_dropped++;
	conn_close(old->conn);
	old->conn = NULL;
	if (run.slow_dropped < SLOW_MAX) {
		struct client *cl = plan(SLOW);

		open_client(cl);
		run.opened++;
	}
}

static void on_welcome(struct client *cl)
{
	if (cl->registered)
		fail("%s (%s) was welcomed twice", cl->name, role_name[cl->role]);
	cl->registered = true;
	run.registered++;
	run.last_progress = now_ns();
	if (run.registered == run.planned && run.t_registered == 0) {
		run.t_registered = run.last_progress;
		run.first_registered = run.registered;
	}
	if (cl->role == SLOW)
		slow_ready(cl);
}

/* ---- traffic ------------------------------------------------------- */

/* Sends the sender's next message, stamped with its number and time. */
static void send_message(struct client *s)
{
	char text[1100], buf[1200];
	int n = snprintf(text, sizeof(text), "q%" PRIu64 " t%" PRIu64 " ",
			 s->seq, now_ns());

	if (n < run.opt.bytes)
		snprintf(text + n, sizeof(text) - (size_t)n, "%.*s",
			 run.opt.bytes - n, run.pad);
	send_or_fail(s, buf, run.d->msg(buf, sizeof(buf), s->peer->name, text));
	s->seq++;
	s->inflight++;
	run.inflight++;
}

static bool traffic_on(void)
{
	return run.phase == WARMUP_PHASE || run.phase == MEASUREMENT;
}

/* A message reached receiver r: check it, time it, send the next one. */
static void on_delivery(struct client *r, const char *text)
{
	uint64_t seq, sent, now = now_ns();
	struct client *s = r->peer;

	if (r->role != RECEIVER)
		fail("%s (%s) got a message nobody sent it: %s", r->name,
		     role_name[r->role], text);
	if (sscanf(text, "q%" SCNu64 " t%" SCNu64, &seq, &sent) != 2)
		fail("%s got a message that is not what %s sent: %.80s",
		     r->name, s->name, text);
	if (seq != r->seq)
		fail("%s got message %" PRIu64 " from %s, expected %" PRIu64
		     ": lost, repeated or out of order", r->name, seq, s->name,
		     r->seq);
	r->seq++;
	s->inflight--;
	run.inflight--;
	run.last_progress = now;
	if (sent >= run.t_measure && run.t_measure != 0)
		hist_record(&run.lat, now - sent);
	if (run.phase == MEASUREMENT)
		run.delivered++;
	if (traffic_on())
		send_message(s);
}

/* Sends the flooder's messages due by now, at -F bytes a second. */
static void flood(uint64_t now)
{
	struct client *f = run.flooder;
	uint64_t due;
	char buf[1200];

	if (f == NULL || f->peer == NULL || !traffic_on())
		return;
	if (run.flood_t0 == 0)
		run.flood_t0 = now;
	due = (uint64_t)((double)run.opt.flood_rate *
			 (double)(now - run.flood_t0) / 1e9);
	while (run.flood_bytes < due && conn_pending(f->conn) < FLOOD_QUEUE) {
		int n = run.d->msg(buf, sizeof(buf), f->peer->name, run.pad);

		send_or_fail(f, buf, n);
		run.flood_bytes += (uint64_t)n;
	}
}

/* The lister sends its next /list when one is due. */
static void list_tick(uint64_t now)
{
	struct client *l = run.lister;
	char buf[64];

	if (l == NULL || l->list_sent != 0 || now < l->list_next ||
	    run.phase != MEASUREMENT)
		return;
	l->list_sent = now;
	l->list_names = 0;
	send_or_fail(l, buf, run.d->list(buf, sizeof(buf)));
}

/* Counts the space-separated names in the len bytes at p. */
static size_t count_names(const char *p, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (p[i] != ' ' && (i == 0 || p[i - 1] == ' '))
			n++;
	return n;
}

static void on_list(struct client *l, const struct dialect_line *dl)
{
	uint64_t now = now_ns();

	if (l->role != LISTER || l->list_sent == 0)
		fail("%s (%s) got a list it did not ask for", l->name,
		     role_name[l->role]);
	l->list_names += count_names(dl->arg, dl->arg_len);
	if (dl->kind != DIALECT_LIST_END)
		return;
	hist_record(&run.list, now - l->list_sent);
	run.list_names = l->list_names;
	run.last_progress = now;
	l->list_sent = 0;
	l->list_next = now + LIST_PAUSE;
}

/* ---- what the server says ------------------------------------------ */

static void on_no_such_user(struct client *cl, const struct dialect_line *dl)
{
	/* Only the flooder expects this: its slow reader has been dropped. */
	if (cl->role != FLOODER)
		fail("the server says %s's receiver %.*s is not connected",
		     cl->name, (int)dl->arg_len, dl->arg);
	if (run.slow != NULL && strlen(run.slow->name) == dl->arg_len &&
	    memcmp(run.slow->name, dl->arg, dl->arg_len) == 0)
		slow_dropped();
	/* Later errors about a reader already replaced change nothing. */
}

static void on_line(struct conn *c, char *line, size_t len)
{
	struct client *cl = c->user;
	struct dialect_line dl;
	char buf[600];

	run.d->parse(line, len, &dl);
	switch (dl.kind) {
	case DIALECT_WELCOME:
		on_welcome(cl);
		break;
	case DIALECT_REFUSED:
		fail("the server refused %s (%s): %.300s", cl->name,
		     role_name[cl->role], line);
	case DIALECT_DELIVERY:
		on_delivery(cl, dl.arg);
		break;
	case DIALECT_LIST_PART:
	case DIALECT_LIST_END:
		on_list(cl, &dl);
		break;
	case DIALECT_NO_SUCH_USER:
		on_no_such_user(cl, &dl);
		break;
	case DIALECT_ERROR:
		fail("the server answered %s (%s) with: %.300s", cl->name,
		     role_name[cl->role], line);
	case DIALECT_PING:
		send_or_fail(cl, buf, run.d->pong(buf, sizeof(buf), dl.arg,
						  dl.arg_len));
		break;
	case DIALECT_SENT:
	case DIALECT_OTHER:
	default:
		break;
	}
}

static void on_close(struct conn *c, int error)
{
	struct client *cl = c->user;

	cl->conn = NULL;
	if (cl == run.slow) {
		/* Dropping a client that does not read is the right thing. */
		cl->conn = c;
		slow_dropped();
		return;
	}
	if (c->connecting)
		fail("cannot connect to %s port %d: %s",
		     run.opt.ipv6 ? "::1" : "127.0.0.1", run.opt.port,
		     strerror(error));
	fail("the server closed the connection of %s (%s)%s%s%s%s", cl->name,
	     role_name[cl->role], cl->registered ? "" : " before welcoming it",
	     error ? ": " : "", error ? strerror(error) : "",
	     server_gone() ? "; the server has exited" : "");
}

static const struct conn_handlers handlers = {
	.on_connect = on_connect,
	.on_line = on_line,
	.on_close = on_close,
};

/* ---- the phases ---------------------------------------------------- */

static void start_traffic(uint64_t now)
{
	run.phase = WARMUP_PHASE;
	run.t_measure = now + WARMUP;
	for (int i = 0; i < run.planned; i++) {
		struct client *s = &run.clients[i];

		for (int w = 0; s->role == SENDER && w < run.opt.window; w++)
			send_message(s);
	}
}

/*
 * The server's context switches, or -1 when they are not counted: reading
 * them takes a file per thread, too slow for thousands of threads.
 */
static long long server_switches(void)
{
	if (run.opt.pid <= 0 || run.peak.threads > SWITCHES_MAX_THREADS)
		return -1;
	return procmon_switches(run.opt.pid);
}

static void start_measurement(uint64_t now)
{
	run.phase = MEASUREMENT;
	run.t_measure = now;
	run.last_progress = now;
	sample_server(&run.cpu0);
	run.own_cpu0 = own_cpu();
	run.busy0 = procmon_busy();
	run.switches0 = server_switches();
}

static void stop_measurement(uint64_t now)
{
	run.phase = DRAIN_PHASE;
	run.t_end = now;
	sample_server(&run.cpu1);
	run.own_cpu1 = own_cpu();
	run.busy1 = procmon_busy();
	run.switches1 = run.switches0 < 0 ? -1 : server_switches();
}

/* Fails the run when nothing has happened for -t seconds. */
static void check_stall(uint64_t now)
{
	uint64_t quiet = now - run.last_progress;

	if (quiet < (uint64_t)run.opt.stall_s * SEC)
		return;
	if (run.phase == REGISTRATION)
		fail("registration stalled: %d of %d clients registered, none "
		     "in the last %d s", run.registered, run.planned,
		     run.opt.stall_s);
	if (run.inflight > 0)
		fail("no message delivered in %d s (%" PRIu64 " in flight)",
		     run.opt.stall_s, run.inflight);
	if (run.lister != NULL && run.lister->list_sent != 0)
		fail("no answer to /list in %d s", run.opt.stall_s);
}

/* Moves the run on: timers, pacing and the end of each phase. */
static void tick(uint64_t now)
{
	if (now - run.t_sample >= SAMPLE_EVERY) {
		sample_server(NULL);
		run.t_sample = now;
	}
	if (now - run.t_start > (uint64_t)run.opt.deadline_s * SEC)
		fail("the run took longer than %d s", run.opt.deadline_s);
	if (run.phase != DRAIN_PHASE)
		check_stall(now);
	switch (run.phase) {
	case REGISTRATION:
		open_more();
		if (run.registered == run.planned)
			start_traffic(now);
		break;
	case WARMUP_PHASE:
		flood(now);
		if (now >= run.t_measure)
			start_measurement(now);
		break;
	case MEASUREMENT:
		flood(now);
		list_tick(now);
		if (now >= run.t_measure + (uint64_t)run.opt.seconds * SEC)
			stop_measurement(now);
		break;
	case DRAIN_PHASE:
		if (run.inflight == 0 &&
		    (run.lister == NULL || run.lister->list_sent == 0))
			run.phase = DONE;
		else if (now - run.t_end > DRAIN)
			fail("%" PRIu64 " message%s still undelivered %llu s after "
			     "the senders stopped", run.inflight,
			     run.inflight == 1 ? "" : "s", DRAIN / SEC);
		break;
	case DONE:
		break;
	}
}

static void drive(void)
{
	run.t_start = run.last_progress = run.t_sample = now_ns();
	sample_server(NULL);
	open_more();
	while (run.phase != DONE) {
		/* Pacing the flood and the lister needs a finer clock. */
		int timeout = run.phase == REGISTRATION ? 10 : 1;

		if (conn_poll(timeout) < 0)
			fail("epoll_wait: %s", strerror(errno));
		tick(now_ns());
	}
	sample_server(NULL);
}

/* ---- setting up ---------------------------------------------------- */

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: loadgen -p PORT [-6] [-I] [-P PID] [-i IDLE] [-n PAIRS] "
		"[-w WINDOW]\n"
		"               [-d SECONDS] [-b BYTES] [-l] [-s] [-F BYTES_PER_S]\n"
		"               [-c CONNECTING] [-t STALL_S] [-T DEADLINE_S]\n"
		"  -6  connect to ::1 rather than 127.0.0.1   -I  speak IRC (ngircd)\n"
		"  -P  the server's pid, to sample its memory, threads and CPU\n"
		"  -i  idle clients   -n  sender/receiver pairs   -w  messages in "
		"flight per pair\n"
		"  -d  seconds measured   -b  bytes of message text   -l  time /list\n"
		"  -s  a slow reader, flooded at -F bytes/s   -c  registrations "
		"under way at once\n"
		"  -t  seconds without progress that fail the run   -T  seconds for "
		"the whole run\n");
	exit(2);
}

/* Parses a number from lo to hi for option o, or exits through usage. */
static long number(int o, const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		warnx("-%c wants a number from %ld to %ld, not '%s'", o, lo, hi, s);
		usage();
	}
	return v;
}

static void parse_options(int argc, char **argv, struct options *o)
{
	int c;

	*o = (struct options){ .window = 1, .seconds = 3, .bytes = 40,
			       .connecting = 200, .stall_s = 10,
			       .deadline_s = 120, .flood_rate = 2000000 };
	while ((c = getopt(argc, argv, "p:6IP:i:n:w:d:b:lsF:c:t:T:")) != -1) {
		switch (c) {
		case 'p': o->port = (int)number(c, optarg, 1, 65535); break;
		case '6': o->ipv6 = true; break;
		case 'I': o->irc = true; break;
		case 'P': o->pid = (pid_t)number(c, optarg, 1, 1L << 30); break;
		case 'i': o->idle = (int)number(c, optarg, 0, 1000000); break;
		case 'n': o->pairs = (int)number(c, optarg, 0, 100000); break;
		case 'w': o->window = (int)number(c, optarg, 1, 10000); break;
		case 'd': o->seconds = (int)number(c, optarg, 1, 3600); break;
		case 'b': o->bytes = (int)number(c, optarg, 32, 400); break;
		case 'l': o->lister = true; break;
		case 's': o->slow = true; break;
		case 'F': o->flood_rate = number(c, optarg, 1, 1L << 32); break;
		case 'c': o->connecting = (int)number(c, optarg, 1, 100000); break;
		case 't': o->stall_s = (int)number(c, optarg, 1, 3600); break;
		case 'T': o->deadline_s = (int)number(c, optarg, 1, 36000); break;
		default: usage();
		}
	}
	if (optind != argc || o->port == 0)
		usage();
}

/*
 * Raises the descriptor limit to the hard limit; exits when even that is
 * too low for the clients asked for, rather than failing half-way.
 */
static void raise_fd_limit(int clients)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		err(1, "getrlimit");
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		err(1, "setrlimit");
	if (rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < (rlim_t)clients + FD_SPARE)
		fail("%d clients need %d descriptors; the limit is %llu "
		     "(ulimit -Hn)", clients, clients + FD_SPARE,
		     (unsigned long long)rl.rlim_cur);
}

/* Lays out every client of the run, in the order they will connect. */
static void plan_clients(void)
{
	const struct options *o = &run.opt;
	int n = o->idle + 2 * o->pairs + 1 + 2 + SLOW_MAX;

	run.clients = calloc((size_t)n, sizeof(*run.clients));
	if (run.clients == NULL)
		err(1, "no memory for %d clients", n);
	for (int i = 0; i < o->idle; i++)
		plan(IDLE);
	for (int i = 0; i < o->pairs; i++) {
		struct client *s = plan(SENDER), *r = plan(RECEIVER);

		s->peer = r;
		r->peer = s;
	}
	if (o->lister)
		run.lister = plan(LISTER);
	if (o->slow) {
		run.flooder = plan(FLOODER);
		plan(SLOW); /* slow_ready points the flood at it once welcomed */
	}
}

int main(int argc, char **argv)
{
	parse_options(argc, argv, &run.opt);
	run.d = run.opt.irc ? &dialect_irc : &dialect_chat;
	run.switches0 = run.switches1 = -1;
	memset(run.pad, 'x', run.d->text_max);
	run.pad[run.d->text_max] = '\0';
	plan_clients();
	raise_fd_limit(run.planned);
	if (conn_init(&handlers) < 0)
		err(1, "epoll_create1");
	if (run.opt.lister && run.d->list == NULL)
		errx(2, "-l: the %s dialect has no list command", run.d->name);
	drive();
	report(NULL);
	return 0;
}
