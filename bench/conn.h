/*
 * conn: many non-blocking TCP connections to one local port, driven by a
 * single epoll loop, each split into lines.
 *
 *   conn_init     create the epoll set; say which functions handle events
 *   conn_open     start connecting to 127.0.0.1 (or ::1) on a port
 *   conn_send     queue bytes for sending; never blocks
 *   conn_pending  how many bytes wait for the kernel to take them
 *   conn_pause    stop reading a connection (a client that stops reading)
 *   conn_close    close a connection and free it
 *   conn_poll     wait for events and hand them to the handlers
 *
 * One thread, one epoll set, level-triggered: a readable connection gets one
 * recv() per turn, which keeps thousands of connections fair to each other.
 * Reading each one until EAGAIN instead lets a pair whose server answers
 * within a system call run in a tight loop while the others wait: against a
 * thread-per-connection server that turned a median latency of 1 ms into
 * 8 us, and a p99 of 1.5 ms into 10 ms, measuring the load generator.
 * Input is split into lines at '\n' (a '\r' before it is dropped) and each
 * line goes to the on_line handler. Output the kernel cannot take at once is
 * queued and sent when the socket becomes writable again, so a server that
 * stops reading never blocks the load generator.
 */
#ifndef BENCH_CONN_H
#define BENCH_CONN_H

#include <stdbool.h>
#include <stddef.h>

/* A line longer than this is an error: even a /list of 20,000 names fits. */
#define CONN_LINE_MAX (16 * 1024 * 1024)

/* conn_send refuses to queue more than this (ENOBUFS). */
#define CONN_QUEUE_MAX (64 * 1024 * 1024)

struct conn {
	int fd;
	void *user;          /* the caller's, untouched here */
	bool connecting;     /* connect() not finished yet */
	bool paused;         /* conn_pause: input is no longer read */
	bool closed;         /* conn_close called; freed after this turn */
	unsigned int events; /* the epoll events asked for now */
	char *in;            /* bytes of a line not yet complete */
	size_t in_len, in_cap;
	char *out;           /* bytes the kernel has not taken yet */
	size_t out_start, out_len, out_cap;
	struct conn *dead_next; /* on the list of closed, not yet freed */
};

struct conn_handlers {
	/* The connection is established: send the first bytes. */
	void (*on_connect)(struct conn *c);
	/*
	 * A complete line, without its line end, NUL-terminated at line[len]
	 * for convenience; valid until the handler returns, which may change
	 * it in place.
	 */
	void (*on_line)(struct conn *c, char *line, size_t len);
	/*
	 * The connection failed or the peer closed it: err is 0 for end of
	 * file, otherwise an errno value. The connection is closed and freed
	 * when the handler returns.
	 */
	void (*on_close)(struct conn *c, int err);
};

/*
 * Creates the epoll set and remembers h (which must outlive every call).
 * Returns 0, or -1 with errno set.
 */
int conn_init(const struct conn_handlers *h);

/*
 * Starts a connection to the loopback address (::1 when ipv6, otherwise
 * 127.0.0.1) on port. on_connect follows once it is established, on_close if
 * it fails later. Returns the new connection, owned by this module until
 * on_close or conn_close, or NULL with errno set when it fails at once.
 */
struct conn *conn_open(bool ipv6, int port, void *user);

/*
 * Sends len bytes on c, or queues what the kernel does not take at once.
 * Returns 0, or -1 with errno set: the connection has failed (EPIPE,
 * ECONNRESET...), or ENOBUFS when the queue would pass CONN_QUEUE_MAX (then
 * nothing was queued).
 */
int conn_send(struct conn *c, const char *buf, size_t len);

/* Returns the number of bytes queued on c and not yet sent. */
size_t conn_pending(const struct conn *c);

/*
 * Stops reading c: its data piles up in the kernel's buffers, as for a
 * client that no longer reads. Queued output is still sent.
 */
void conn_pause(struct conn *c);

/*
 * Closes c. The memory is freed at the end of the current conn_poll turn, so
 * events already collected for c are skipped safely. No handler is called.
 */
void conn_close(struct conn *c);

/*
 * Waits up to timeout_ms for events and calls the handlers for each.
 * Returns the number of events handled, or -1 with errno set when epoll
 * fails (not for EINTR, which returns 0).
 */
int conn_poll(int timeout_ms);

#endif
