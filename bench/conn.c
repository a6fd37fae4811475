/*
 * conn: non-blocking connections in one epoll set. See conn.h.
 */
#include "conn.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* A new connection's input buffer; it doubles as lines need. */
#define IN_START 4096

/* Events collected per epoll_wait. */
#define MAX_EVENTS 1024

static int epfd = -1;
static const struct conn_handlers *handlers;
static struct conn *dead; /* closed in this turn, freed at its end */

int conn_init(const struct conn_handlers *h)
{
	handlers = h;
	epfd = epoll_create1(EPOLL_CLOEXEC);
	return epfd < 0 ? -1 : 0;
}

/* Asks epoll for exactly events on c, if that is a change. */
static void want(struct conn *c, unsigned int events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (events == c->events)
		return;
	c->events = events;
	epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* The events c needs now: input unless paused, output while queued. */
static unsigned int needed(const struct conn *c)
{
	if (c->connecting)
		return EPOLLOUT;
	return (c->paused ? 0 : EPOLLIN) | (c->out_len > 0 ? EPOLLOUT : 0);
}

struct conn *conn_open(bool ipv6, int port, void *user)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons((unsigned short)port),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_port = htons((unsigned short)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct epoll_event ev = { .events = EPOLLOUT };
	struct conn *c = calloc(1, sizeof(*c));
	int one = 1, saved;

	if (c == NULL)
		return NULL;
	c->user = user;
	c->connecting = true;
	c->events = EPOLLOUT;
	c->fd = socket(ipv6 ? AF_INET6 : AF_INET,
		       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		goto fail;
	/* Small messages must leave at once, not wait for Nagle's timer. */
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((ipv6 ? connect(c->fd, (struct sockaddr *)&a6, sizeof(a6))
		  : connect(c->fd, (struct sockaddr *)&a4, sizeof(a4))) < 0 &&
	    errno != EINPROGRESS)
		goto fail;
	ev.data.ptr = c;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		goto fail;
	return c;
fail:
	saved = errno;
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	errno = saved;
	return NULL;
}

/* Appends len bytes to c's output queue. Returns 0, or -1 (ENOBUFS). */
static int enqueue(struct conn *c, const char *buf, size_t len)
{
	if (c->out_start > 0 && c->out_start + c->out_len + len > c->out_cap) {
		memmove(c->out, c->out + c->out_start, c->out_len);
		c->out_start = 0;
	}
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : IN_START;
		char *bigger;

		while (cap < c->out_len + len)
			cap *= 2;
		if (cap > CONN_QUEUE_MAX || (bigger = realloc(c->out, cap)) == NULL) {
			errno = ENOBUFS;
			return -1;
		}
		c->out = bigger;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_start + c->out_len, buf, len);
	c->out_len += len;
	return 0;
}

/*
 * Sends as much of c's queue as the kernel takes. Returns 0, or -1 with
 * errno set when the connection has failed.
 */
static int flush(struct conn *c)
{
	while (c->out_len > 0) {
		ssize_t n = send(c->fd, c->out + c->out_start, c->out_len,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0)
			return -1;
		c->out_start += (size_t)n;
		c->out_len -= (size_t)n;
	}
	if (c->out_len == 0)
		c->out_start = 0;
	want(c, needed(c));
	return 0;
}

int conn_send(struct conn *c, const char *buf, size_t len)
{
	assert(!c->closed);
	if (c->connecting || c->out_len > 0) {
		/* Bytes already wait: these go after them, in order. */
		if (enqueue(c, buf, len) < 0)
			return -1;
		return c->connecting ? 0 : flush(c);
	}
	while (len > 0) {
		ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	if (len == 0)
		return 0;
	if (enqueue(c, buf, len) < 0)
		return -1;
	want(c, needed(c));
	return 0;
}

size_t conn_pending(const struct conn *c)
{
	return c->out_len;
}

void conn_pause(struct conn *c)
{
	c->paused = true;
	want(c, needed(c));
}

void conn_close(struct conn *c)
{
	if (c->closed)
		return;
	c->closed = true;
	epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->dead_next = dead;
	dead = c;
}

/* Reports c's failure (err 0: end of file) and closes it. */
static void fail(struct conn *c, int err)
{
	handlers->on_close(c, err);
	conn_close(c);
}

/* Hands every complete line in c's buffer to on_line; keeps the rest. */
static void split_lines(struct conn *c)
{
	char *start = c->in, *end = c->in + c->in_len, *nl;

	while (!c->closed && !c->paused &&
	       (nl = memchr(start, '\n', (size_t)(end - start))) != NULL) {
		size_t len = (size_t)(nl - start);

		if (len > 0 && start[len - 1] == '\r')
			len--;
		start[len] = '\0';
		handlers->on_line(c, start, len);
		start = nl + 1;
	}
	if (c->closed)
		return;
	c->in_len = (size_t)(end - start);
	memmove(c->in, start, c->in_len);
}

/* Reads what c has (one recv), then splits it into lines. */
static void readable(struct conn *c)
{
	ssize_t n;

	if (c->in_len + 1 >= c->in_cap) {
		size_t cap = c->in_cap ? 2 * c->in_cap : IN_START;
		char *bigger = cap <= CONN_LINE_MAX ? realloc(c->in, cap) : NULL;

		if (bigger == NULL) {
			fail(c, cap <= CONN_LINE_MAX ? ENOMEM : EMSGSIZE);
			return;
		}
		c->in = bigger;
		c->in_cap = cap;
	}
	/* One byte is kept free for the NUL that ends a line in place. */
	n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len - 1, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		fail(c, n == 0 ? 0 : errno);
		return;
	}
	c->in_len += (size_t)n;
	split_lines(c);
}

/* The connection finished connecting, or failed to. */
static void connected(struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err != 0) {
		fail(c, err);
		return;
	}
	c->connecting = false;
	want(c, needed(c));
	handlers->on_connect(c);
}

/* Handles what epoll reported for c. */
static void dispatch(struct conn *c, unsigned int events)
{
	if (c->closed)
		return;
	if (c->connecting) {
		connected(c);
		return;
	}
	if ((events & EPOLLOUT) && flush(c) < 0) {
		fail(c, errno);
		return;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		if (!c->paused) {
			readable(c);
		} else if (events & (EPOLLHUP | EPOLLERR)) {
			int err = 0;
			socklen_t len = sizeof(err);

			getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
			fail(c, err);
		}
	}
}

int conn_poll(int timeout_ms)
{
	struct epoll_event evs[MAX_EVENTS];
	int n = epoll_wait(epfd, evs, MAX_EVENTS, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -1;
	for (int i = 0; i < n; i++)
		dispatch(evs[i].data.ptr, evs[i].events);
	while (dead != NULL) {
		struct conn *c = dead;

		dead = c->dead_next;
		free(c->in);
		free(c->out);
		free(c);
	}
	return n;
}
