/*
 * lineio: a buffered line reader and a send-everything helper. See lineio.h.
 */
#include "lineio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* An unlimited reader starts with this much room and doubles it as needed. */
#define LINEIO_START_CAP 4096

int lineio_reader_init(struct lineio_reader *r, int fd, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->max = max;
	/*
	 * A limited reader never grows: twice the longest line (with its CR LF)
	 * holds one whole line plus the start of the next, so a single read()
	 * can pick up several pipelined commands.
	 */
	r->cap = max > 0 ? 2 * (max + 2) : LINEIO_START_CAP;
	r->buf = malloc(r->cap);
	return r->buf != NULL ? 0 : -1;
}

void lineio_reader_free(struct lineio_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

/* BEGIN SOLUTION */
/*
 * True once the bytes waiting for a '\n' already make a line longer than
 * max: more than max + 1 of them, or max + 1 whose last is not the CR of a
 * CR LF.
 */
static bool pending_too_long(const struct lineio_reader *r)
{
	size_t pending = r->end - r->start;

	if (r->max == 0 || pending < r->max + 1)
		return false;
	return pending > r->max + 1 || r->buf[r->end - 1] != '\r';
}

/* Makes room for more input: moves what is left to the front, or grows. */
static int make_room(struct lineio_reader *r)
{
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end == r->cap) {
		char *bigger = realloc(r->buf, 2 * r->cap);

		if (bigger == NULL)
			return -1;
		r->buf = bigger;
		r->cap *= 2;
	}
	return 0;
}

/* Reads more bytes into the buffer. Returns what read() returned. */
static ssize_t fill(struct lineio_reader *r)
{
	ssize_t n;

	if (r->end == r->cap && make_room(r) < 0)
		return -1;
	do
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		r->end += (size_t)n;
	return n;
}

/* Hands out the line buf[start..nl) and consumes it with its '\n'. */
static enum lineio_status take_line(struct lineio_reader *r, char *nl,
				    const char **line, size_t *len)
{
	const char *first = r->buf + r->start;
	size_t n = (size_t)(nl - first);

	r->start += n + 1;
	r->scanned = 0;
	if (n > 0 && first[n - 1] == '\r')
		n--;
	if (r->max > 0 && n > r->max)
		return LINEIO_TOO_LONG;
	*line = first;
	*len = n;
	return LINEIO_LINE;
}

/* END SOLUTION */

enum lineio_status lineio_read_line(struct lineio_reader *r,
				    const char **line, size_t *len)
{
	/* BEGIN SOLUTION
	 * TODO(ex 3): return the next line from r->buf[r->start..r->end),
	 * calling read() for more bytes only when no '\n' is buffered yet.
	 * One read() may bring part of a line or several lines: keep what is
	 * left for the next call. Drop the '\r' of a "\r\n". Report a line
	 * longer than r->max (when r->max > 0) once, as LINEIO_TOO_LONG, as
	 * soon as it is certain, then skip its bytes up to the next '\n'.
	 * Retry a read() that fails with EINTR. See lineio.h.
	 * STUB: (void)r;
	 * STUB: (void)line;
	 * STUB: (void)len;
	 * STUB: return LINEIO_ERROR;
	 */
	for (;;) {
		char *from = r->buf + r->start + r->scanned;
		char *nl = memchr(from, '\n', (size_t)(r->buf + r->end - from));
		ssize_t n;

		if (nl != NULL && r->discarding) {
			r->discarding = false;
			r->start = (size_t)(nl - r->buf) + 1;
			r->scanned = 0;
			continue;
		}
		if (nl != NULL)
			return take_line(r, nl, line, len);
		if (r->discarding || pending_too_long(r)) {
			/* Forget this line's bytes; skip the rest up to '\n'. */
			bool first_report = !r->discarding;

			r->start = r->end = r->scanned = 0;
			r->discarding = true;
			if (first_report)
				return LINEIO_TOO_LONG;
		}
		r->scanned = r->end - r->start;
		n = fill(r);
		if (n == 0)
			return LINEIO_EOF;
		if (n < 0)
			return LINEIO_ERROR;
	}
	/* END SOLUTION */
}

int lineio_write_all(int fd, const void *buf, size_t len, int flags)
{
	/* BEGIN SOLUTION
	 * TODO(ex 3): send all len bytes with send(fd, ..., flags | MSG_NOSIGNAL).
	 * send() may write fewer bytes than asked (a short write): send the
	 * rest. Retry when it fails with EINTR; return -1 on any other error.
	 * STUB: (void)fd;
	 * STUB: (void)buf;
	 * STUB: (void)len;
	 * STUB: (void)flags;
	 * STUB: errno = ENOSYS;
	 * STUB: return -1;
	 */
	const char *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, flags | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
	/* END SOLUTION */
}
