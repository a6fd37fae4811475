/*
 * loadgen: drives a chat server with thousands of connections from one
 * process (epoll), and reports what it measured as one JSON line.
 *
 *   loadgen -p PORT [-P SERVER_PID] [-i IDLE] [-n PAIRS] [-w WINDOW]
 *           [-s SECONDS] [-l LISTS] [-S] [--irc]
 *
 * Phases: IDLE clients register and stay connected; PAIRS senders each keep
 * WINDOW messages in flight to their receiver for SECONDS (each message
 * carries its send time, so the receiver measures delivery latency); with -S
 * one extra client registers and never reads while another floods it; with
 * -l one client sends LISTS /list commands one after another, timing each.
 * The server's resident memory and threads are read from /proc/PID/status.
 * --irc speaks IRC (NICK/USER, PRIVMSG) instead, to measure ngircd the same
 * way. Everything is bounded in time: a server that stalls makes loadgen
 * report the failure and exit 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEADLINE_S 60        /* no phase may take longer */
#define MAX_SAMPLES 4000000  /* latencies kept for percentiles */

enum role { IDLE, SENDER, RECEIVER, FLOODER, SLOW, LISTER };
static const char *role_names[] = { "an idle client", "a sender", "a receiver",
				    "the flooder", "the slow reader", "the lister" };

struct conn {
	int fd;
	enum role role;
	int peer;            /* SENDER: its receiver's index; RECEIVER: its sender */
	bool registered;
	int inflight;
	char in[65536];
	size_t in_len;
};

struct opts {
	int port, pid, idle, pairs, window, seconds, lists;
	bool slow, irc;
};

static struct conn *conns;
static int nconns, epfd;
static struct opts opt = { .window = 1, .seconds = 3 };
static double *lat;          /* delivery latencies, in microseconds */
static long nlat, delivered, peak_rss_kb, peak_threads, list_answers;

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("{\"error\": \"");
	vprintf(fmt, ap);
	printf("\"}\n");
	va_end(ap);
	exit(1);
}

/* Samples the server's resident memory and thread count. */
static void sample_server(void)
{
	char path[64], line[256];
	FILE *f;

	if (opt.pid <= 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/status", opt.pid);
	f = fopen(path, "r");
	if (f == NULL)
		die("the server (pid %d) is gone", opt.pid);
	while (fgets(line, sizeof(line), f)) {
		long v;

		if (sscanf(line, "VmRSS: %ld", &v) == 1 && v > peak_rss_kb)
			peak_rss_kb = v;
		if (sscanf(line, "Threads: %ld", &v) == 1 && v > peak_threads)
			peak_threads = v;
	}
	fclose(f);
}

static void send_all(struct conn *c, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && c->role == FLOODER)
			return; /* the flood just waits for room */
		if (n < 0)
			die("send to the server failed: %s", strerror(errno));
		buf += n;
		len -= (size_t)n;
	}
}

static void sendf(struct conn *c, const char *fmt, ...)
{
	char buf[1200];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	send_all(c, buf, (size_t)n);
}

static void name_of(int i, char *buf, size_t size)
{
	snprintf(buf, size, "%c%d", "isrfwl"[conns[i].role], i);
}

static void send_message(int i)
{
	char to[32];

	name_of(conns[i].peer, to, sizeof(to));
	if (opt.irc)
		sendf(&conns[i], "PRIVMSG %s :@@%.0f\r\n", to, now_us());
	else
		sendf(&conns[i], "/msg %s @@%.0f\n", to, now_us());
	conns[i].inflight++;
}

static int connect_one(enum role role)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((unsigned short)opt.port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1, i = nconns++;
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (unsigned)i };
	char name[32];

	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("cannot connect to 127.0.0.1 port %d: %s", opt.port, strerror(errno));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(fd, F_SETFL, O_NONBLOCK);
	conns[i] = (struct conn){ .fd = fd, .role = role, .peer = -1 };
	epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
	name_of(i, name, sizeof(name));
	if (opt.irc)
		sendf(&conns[i], "NICK %s\r\nUSER %s 0 * :%s\r\n", name, name, name);
	else
		sendf(&conns[i], "%s\n", name);
	return i;
}

/* Handles one line that arrived for connection i. */
static void on_line(int i, char *line)
{
	struct conn *c = &conns[i];
	char *t;

	if (!c->registered) {
		bool ok = opt.irc ? strstr(line, " 001 ") != NULL
				  : strncmp(line, "OK welcome", 10) == 0;

		if (!opt.irc && !ok)
			die("registration refused: %s", line);
		c->registered = ok;
		return;
	}
	if (opt.irc && strncmp(line, "PING", 4) == 0) {
		line[1] = 'O';
		sendf(c, "%s\r\n", line);
		return;
	}
	if (c->role == LISTER && strncmp(line, "LIST", 4) == 0)
		list_answers++;
	if (c->role == RECEIVER && (t = strstr(line, "@@")) != NULL) {
		double sent = strtod(t + 2, NULL);

		if (nlat < MAX_SAMPLES)
			lat[nlat++] = now_us() - sent;
		delivered++;
		conns[c->peer].inflight--;
		send_message(c->peer);
	}
}

/* Reads what connection i has, line by line. Returns false at EOF. */
static bool on_readable(int i)
{
	struct conn *c = &conns[i];

	for (;;) {
		ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len - 1, 0);
		char *start = c->in, *nl;

		if (n == 0)
			return false;
		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		c->in_len += (size_t)n;
		c->in[c->in_len] = '\0';
		while ((nl = memchr(start, '\n', c->in_len - (size_t)(start - c->in)))) {
			*nl = '\0';
			if (nl > start && nl[-1] == '\r')
				nl[-1] = '\0';
			on_line(i, start);
			start = nl + 1;
		}
		c->in_len -= (size_t)(start - c->in);
		memmove(c->in, start, c->in_len);
		if (c->in_len == sizeof(c->in) - 1)
			c->in_len = 0; /* a line longer than we care about: drop it */
	}
}

/* Runs the event loop until done() or the deadline. */
static void loop(bool (*done)(void), double until_us)
{
	struct epoll_event evs[256];
	double deadline = now_us() + DEADLINE_S * 1e6, last_sample = 0;

	while (!done() && now_us() < until_us) {
		int n = epoll_wait(epfd, evs, 256, 100);

		if (now_us() > deadline)
			die("the server stopped answering (no progress in %d s)", DEADLINE_S);
		for (int k = 0; k < n; k++) {
			int i = (int)evs[k].data.u32;

			if (!on_readable(i) && conns[i].role != FLOODER)
				die("the server closed the connection of client %d (%s) %s", i,
				    role_names[conns[i].role], conns[i].registered
				    ? "while it was chatting" : "before registering it");
		}
		if (now_us() - last_sample > 100e3) {
			sample_server();
			last_sample = now_us();
		}
	}
}

static int want_registered;
static bool all_registered(void)
{
	int r = 0;

	for (int i = 0; i < nconns; i++)
		r += conns[i].registered;
	return r >= want_registered;
}

static bool never(void)
{
	return false;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double pct(double p)
{
	return nlat ? lat[(long)(p * (double)(nlat - 1))] : 0;
}

/* Times LISTS /list commands, one at a time. Returns the median in ms. */
static double time_lists(int lister)
{
	double total[1000];
	int n = opt.lists < 1000 ? opt.lists : 1000;

	for (int k = 0; k < n; k++) {
		long want = list_answers + 1;
		double start = now_us(), deadline = start + DEADLINE_S * 1e6;

		sendf(&conns[lister], "/list\n");
		while (list_answers < want) {
			if (now_us() > deadline)
				die("no answer to /list in %d s", DEADLINE_S);
			if (!on_readable(lister))
				die("the server closed the lister's connection");
		}
		total[k] = (now_us() - start) / 1e3;
	}
	qsort(total, (size_t)n, sizeof(double), cmp_double);
	return n ? total[n / 2] : 0;
}

static void parse(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int *target = NULL;

		if (strcmp(a, "--irc") == 0) { opt.irc = true; continue; }
		if (strcmp(a, "-S") == 0) { opt.slow = true; continue; }
		if (i + 1 == argc || a[0] != '-' || strlen(a) != 2)
			die("usage: loadgen -p PORT [-P PID] [-i IDLE] [-n PAIRS] [-w WINDOW] "
			    "[-s SECONDS] [-l LISTS] [-S] [--irc]");
		switch (a[1]) {
		case 'p': target = &opt.port; break;
		case 'P': target = &opt.pid; break;
		case 'i': target = &opt.idle; break;
		case 'n': target = &opt.pairs; break;
		case 'w': target = &opt.window; break;
		case 's': target = &opt.seconds; break;
		case 'l': target = &opt.lists; break;
		default: die("unknown option %s", a);
		}
		*target = atoi(argv[++i]);
	}
}

int main(int argc, char **argv)
{
	struct rlimit rl;
	double t0, reg_s, start;
	int total, lister = -1;

	parse(argc, argv);
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	total = opt.idle + 2 * opt.pairs + 2 + 1;
	conns = calloc((size_t)total, sizeof(*conns));
	lat = malloc(MAX_SAMPLES * sizeof(double));
	epfd = epoll_create1(0);

	/* Registration: idle clients, pairs, and the extras. */
	t0 = now_us();
	for (int i = 0; i < opt.idle; i++)
		connect_one(IDLE);
	for (int p = 0; p < opt.pairs; p++) {
		int s = connect_one(SENDER), r = connect_one(RECEIVER);

		conns[s].peer = r;
		conns[r].peer = s;
	}
	if (opt.slow) {
		int slow = connect_one(SLOW), flood = connect_one(FLOODER);

		conns[flood].peer = slow;
	}
	if (opt.lists > 0)
		lister = connect_one(LISTER);
	want_registered = nconns;
	loop(all_registered, now_us() + DEADLINE_S * 1e6);
	reg_s = (now_us() - t0) / 1e6;
	sample_server();

	/* A slow reader: stop reading it, and flood it from another client. */
	for (int i = 0; i < nconns; i++) {
		if (conns[i].role == SLOW)
			epoll_ctl(epfd, EPOLL_CTL_DEL, conns[i].fd, NULL);
		if (conns[i].role == FLOODER) {
			char to[32];

			/* Far more than the server may buffer for one client. */
			name_of(conns[i].peer, to, sizeof(to));
			for (int k = 0; k < 8000; k++)
				sendf(&conns[i], "/msg %s %900d\n", to, k);
		}
	}

	/* Traffic: every sender keeps WINDOW messages in flight. */
	for (int i = 0; i < nconns; i++)
		for (int w = 0; conns[i].role == SENDER && w < opt.window; w++)
			send_message(i);
	start = now_us();
	if (opt.pairs > 0)
		loop(never, start + opt.seconds * 1e6);
	{
		double secs = (now_us() - start) / 1e6;
		double list_ms = lister >= 0 ? time_lists(lister) : 0;

		qsort(lat, (size_t)nlat, sizeof(double), cmp_double);
		sample_server();
		printf("{\"clients\": %d, \"pairs\": %d, \"window\": %d, \"slow\": %s, "
		       "\"register_per_s\": %.0f, \"msgs_per_s\": %.0f, "
		       "\"p50_us\": %.0f, \"p99_us\": %.0f, \"max_us\": %.0f, "
		       "\"list_ms\": %.2f, \"rss_mib\": %.1f, \"threads\": %ld}\n",
		       nconns, opt.pairs, opt.window, opt.slow ? "true" : "false",
		       nconns / (reg_s > 0 ? reg_s : 1e-9), delivered / secs,
		       pct(0.5), pct(0.99), nlat ? lat[nlat - 1] : 0, list_ms,
		       peak_rss_kb / 1024.0, peak_threads);
	}
	return 0;
}
