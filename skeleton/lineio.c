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

enum lineio_status lineio_read_line(struct lineio_reader *r,
				    const char **line, size_t *len)
{
	/*
	 * TODO(ex 3): return the next line from r->buf[r->start..r->end),
	 * calling read() for more bytes only when no '\n' is buffered yet.
	 * One read() may bring part of a line or several lines: keep what is
	 * left for the next call. Drop the '\r' of a "\r\n". Report a line
	 * longer than r->max (when r->max > 0) once, as LINEIO_TOO_LONG, as
	 * soon as it is certain, then skip its bytes up to the next '\n'.
	 * Retry a read() that fails with EINTR. See lineio.h.
	 */
	(void)r;
	(void)line;
	(void)len;
	return LINEIO_ERROR;
}

int lineio_write_all(int fd, const void *buf, size_t len, int flags)
{
	/*
	 * TODO(ex 3): send all len bytes with send(fd, ..., flags | MSG_NOSIGNAL).
	 * send() may write fewer bytes than asked (a short write): send the
	 * rest. Retry when it fails with EINTR; return -1 on any other error.
	 */
	(void)fd;
	(void)buf;
	(void)len;
	(void)flags;
	errno = ENOSYS;
	return -1;
}
