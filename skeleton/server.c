/*
 * server: the chat server.
 *
 *   server [-v] [-m MAX_CLIENTS] PORT
 *
 * The main thread accepts connections and starts one thread per connection.
 * A client's thread reads its name, then its commands, and answers each one;
 * to deliver a /msg it finds the destination in the client list and writes to
 * that client's socket itself. On SIGINT or SIGTERM the main thread stops
 * accepting, shuts every connection down, waits for every client thread to
 * finish and exits 0.
 *
 * Writes never block: a client that stops reading fills its socket's send
 * buffer, whose size we fix, and the next write to it fails; we then shut
 * that client down instead of making the sender wait. So one slow reader can
 * neither stall the others nor make the server buffer without bound.
 */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lineio.h"
#include "list.h"
#include "net.h"
#include "protocol.h"

/*
 * Each client thread needs little stack: 256 KiB instead of the default
 * 8 MiB lets 10,000 threads fit comfortably in the address space.
 */
#define SERVER_STACK_SIZE (256 * 1024)

/* The send buffer a client may fill before it counts as not reading. */
#define SERVER_SEND_BUFFER (1024 * 1024)

/* Descriptors kept back from the client limit for the server's own use. */
#define SERVER_FD_RESERVE 32

/* Set in main before the first thread starts; read-only afterwards. */
static struct client_list *clients;
static bool verbose;

/*
 * Every client thread is joined, so that when main returns no thread is
 * still running (valgrind and the sanitizers check this). Each thread, as it
 * finishes, joins the thread that finished before it, and main joins the
 * last one: a finished thread never waits long to be joined.
 */
static pthread_mutex_t finish_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t last_finished; /* guarded by finish_lock */
static bool any_finished;       /* guarded by finish_lock */

static void usage(void)
{
	fprintf(stderr, "usage: server [-v] [-m MAX_CLIENTS] PORT\n"
		"  PORT 1-65535, or 0 to let the system choose\n"
		"  -v  log connections on standard error\n"
		"  -m  most clients registered at once\n");
	exit(2);
}

/*
 * Sends len bytes to c without blocking; call with c->send_lock held. When c
 * is gone or its send buffer is full, shuts c's connection down, so that c's
 * own thread sees end of file and removes it, and returns -1.
 */
static int send_locked(struct client *c, const char *buf, size_t len)
{
	/*
	 * TODO(ex 4): write the bytes with lineio_write_all, passing MSG_DONTWAIT:
	 * a client that stops reading must not block the thread writing to it.
	 * On failure shut c down (shutdown(2), SHUT_RDWR) so that its own thread
	 * sees end of file and ends, and return -1.
	 */
	(void)c;
	(void)buf;
	(void)len;
	return -1;
}

/* Sends to c under its send lock, so that two lines never interleave. */
static int send_to(struct client *c, const char *buf, size_t len)
{
	int rc;

	pthread_mutex_lock(&c->send_lock);
	rc = send_locked(c, buf, len);
	pthread_mutex_unlock(&c->send_lock);
	return rc;
}

static int send_ok(struct client *c, const char *text)
{
	char line[PROTO_REPLY_MAX];

	return send_to(c, line, proto_format_ok(line, text));
}

static int send_err(struct client *c, const char *code, const char *detail,
		    size_t detail_len)
{
	char line[PROTO_REPLY_MAX];

	return send_to(c, line, proto_format_err(line, code, detail, detail_len));
}

static int send_err_str(struct client *c, const char *code, const char *detail)
{
	return send_err(c, code, detail, strlen(detail));
}

/*
 * Reads the first line and registers it as c's name. Returns true when c is
 * registered; otherwise c has been told why (unless it left first).
 */
static bool register_client(struct client *c, struct lineio_reader *r)
{
	/*
	 * TODO(ex 4): read the first line; answer "OK welcome <name>" after a
	 * successful list_register, or "ERR bad-name ...", "ERR name-taken ..."
	 * or "ERR server-full ..." and return false. A line too long to read is
	 * a bad name; end of file or an error returns false without a word.
	 * The welcome must be the first line the client receives, yet others
	 * can message it the moment list_register succeeds: hold c->send_lock
	 * from before list_register until the welcome is sent (send_locked).
	 */
	(void)c;
	(void)r;
	return false;
}

static int do_list(struct client *c)
{
	/*
	 * TODO(ex 4): send "LIST <name> <name> ...": take a snapshot with
	 * list_names, format it with proto_format_list, free both.
	 */
	return send_err_str(c, "unknown-command", "/list is not written yet");
}

static int do_msg(struct client *c, const struct proto_command *cmd)
{
	/*
	 * TODO(ex 5): find the destination with list_find; if there is none,
	 * reply "ERR no-such-user <name>". Otherwise send it "MSG <from> <text>"
	 * (proto_format_msg), drop the reference with list_put, reply "OK sent".
	 * Never hold the list lock while writing.
	 */
	(void)cmd;
	return send_err_str(c, "unknown-command", "/msg is not written yet");
}

/*
 * Carries out one command line from c. Returns 1 to go on, 0 after /quit,
 * -1 when c's connection has failed.
 */
static int do_command(struct client *c, const char *line, size_t len)
{
	struct proto_command cmd;

	proto_parse(line, len, &cmd);
	switch (cmd.kind) {
	case PROTO_EMPTY:
		return 1;
	case PROTO_LIST:
		return do_list(c) < 0 ? -1 : 1;
	case PROTO_MSG:
		return do_msg(c, &cmd) < 0 ? -1 : 1;
	case PROTO_MSG_USAGE:
		return send_err_str(c, "usage", "/msg <name> <message>") < 0
			       ? -1 : 1;
	case PROTO_QUIT:
		send_ok(c, "bye");
		return 0;
	case PROTO_UNKNOWN:
	default:
		return send_err(c, "unknown-command", cmd.text, cmd.text_len) < 0
			       ? -1 : 1;
	}
}

/* Answers c's commands until it quits, leaves or fails. */
static void serve_client(struct client *c, struct lineio_reader *r)
{
	const char *line;
	size_t len;
	int go_on = 1;

	while (go_on > 0) {
		switch (lineio_read_line(r, &line, &len)) {
		case LINEIO_LINE:
			go_on = do_command(c, line, len);
			break;
		case LINEIO_TOO_LONG:
			go_on = send_err_str(c, "too-long",
					     "a line holds at most 1000 bytes") < 0
					? -1 : 1;
			break;
		default:
			go_on = -1; /* end of file or a read error */
			break;
		}
	}
}

/* Marks the calling thread as the last to finish; joins the one before. */
static void finish_thread(void)
{
	pthread_t before;
	bool join;

	pthread_mutex_lock(&finish_lock);
	before = last_finished;
	join = any_finished;
	last_finished = pthread_self();
	any_finished = true;
	pthread_mutex_unlock(&finish_lock);
	if (join)
		pthread_join(before, NULL);
}

/* Joins the last thread to finish. Call when no client thread is left. */
static void join_last_thread(void)
{
	pthread_mutex_lock(&finish_lock);
	if (any_finished)
		pthread_join(last_finished, NULL);
	any_finished = false;
	pthread_mutex_unlock(&finish_lock);
}

/* The thread of one connection, from its first byte to its last. */
static void *client_thread(void *arg)
{
	struct client *c = arg;
	struct lineio_reader r;

	if (lineio_reader_init(&r, c->fd, PROTO_LINE_MAX) == 0) {
		if (register_client(c, &r)) {
			if (verbose)
				fprintf(stderr, "%s joined from %s port %d\n",
					c->name, c->addr, c->port);
			serve_client(c, &r);
			if (verbose)
				fprintf(stderr, "%s left\n", c->name);
		}
		lineio_reader_free(&r);
	}
	/*
	 * Before our client is freed: once every client is freed, main knows
	 * that every thread has passed this point and joins the last of them.
	 */
	finish_thread();
	/*
	 * TODO(ex 5): the client is leaving: take it off the list, so that
	 * nobody finds it any more, and drop this thread's reference.
	 */
	return NULL;
}

/* Puts the new connection fd on the list and starts its thread. */
static void start_client(int fd, const pthread_attr_t *attr)
{
	/*
	 * TODO(ex 4): put the connection on the list with list_add (net_peer
	 * gives the address and port), then start client_thread for it with
	 * pthread_create and attr (a small stack). If either fails, undo
	 * what was done and close the connection. Also fix its send buffer size
	 * (SO_SNDBUF, SERVER_SEND_BUFFER): that is the bound of what the server
	 * buffers for a client that stops reading.
	 * Until then the stub closes every connection at once.
	 */
	(void)attr;
	(void)client_thread;
	close(fd);
}

/*
 * Accepts connections until a signal arrives on sig_fd. Waiting on both in
 * one poll() means a signal can never be lost between checking a flag and
 * blocking in accept().
 */
static void accept_loop(int listen_fd, int sig_fd)
{
	struct pollfd fds[2] = {
		{ .fd = listen_fd, .events = POLLIN },
		{ .fd = sig_fd, .events = POLLIN },
	};
	pthread_attr_t attr;
	int pause_ms = -1;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, SERVER_STACK_SIZE);
	for (;;) {
		int fd;

		/* After running out of descriptors, wait a little, not spin. */
		fds[0].events = pause_ms < 0 ? POLLIN : 0;
		if (poll(fds, 2, pause_ms) < 0 && errno != EINTR)
			break;
		if (fds[1].revents & POLLIN)
			break;
		pause_ms = -1;
		if (!(fds[0].revents & POLLIN))
			continue;
		fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			start_client(fd, &attr);
		else if (errno == EMFILE || errno == ENFILE ||
			 errno == ENOBUFS || errno == ENOMEM)
			pause_ms = 100;
	}
	pthread_attr_destroy(&attr);
}

/* Parses a port number, 0 to 65535; returns -1 when s is not one. */
static int parse_port(const char *s)
{
	char *end;
	long port;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	port = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || port > 65535)
		return -1;
	return (int)port;
}

/*
 * Raises the descriptor limit as far as allowed, since each client needs
 * one, and returns how many clients that leaves room for.
 */
static size_t raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1000;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1000000)
		return 1000000;
	if (rl.rlim_cur < 2 * SERVER_FD_RESERVE)
		return SERVER_FD_RESERVE;
	return rl.rlim_cur - SERVER_FD_RESERVE;
}

/*
 * Blocks SIGINT and SIGTERM in this thread, and so in every thread it starts,
 * and returns a descriptor that becomes readable when one arrives.
 */
static int stop_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

int main(int argc, char **argv)
{
	size_t max_clients = raise_fd_limit();
	int opt, port, bound, listen_fd, sig_fd;
	char *end;

	while ((opt = getopt(argc, argv, "+vm:")) != -1) {
		if (opt == 'v') {
			verbose = true;
		} else if (opt == 'm') {
			max_clients = strtoul(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0')
				usage();
		} else {
			usage();
		}
	}
	if (argc - optind != 1 || (port = parse_port(argv[optind])) < 0)
		usage();

	/* A client that vanishes must be an error code, not a fatal signal. */
	signal(SIGPIPE, SIG_IGN);
	sig_fd = stop_signals();
	clients = list_create(max_clients);
	listen_fd = net_listen(port, &bound);
	if (sig_fd < 0 || clients == NULL || listen_fd < 0) {
		fprintf(stderr, "server: cannot listen on port %d: %s\n", port,
			strerror(errno));
		return 1;
	}
	printf("listening on port %d\n", bound);
	fflush(stdout);

	accept_loop(listen_fd, sig_fd);

	close(listen_fd);
	list_shutdown_all(clients);
	list_wait_empty(clients);
	join_last_thread();
	list_destroy(clients);
	close(sig_fd);
	return 0;
}
