/*
 * lineio: reading lines from, and writing bytes to, a file descriptor.
 *
 *   lineio_reader_init   set up a buffered line reader on a descriptor
 *   lineio_read_line     return the next line, however the bytes arrive
 *   lineio_reader_free   release the reader's buffer
 *   lineio_write_all     send every byte, despite short writes and EINTR
 *
 * TCP is a byte stream: one read() may return half a line, or three lines and
 * a piece of a fourth. The reader hides that: it keeps what it has read in a
 * buffer and hands out one complete line per call. It is the only place that
 * reads from a socket; lineio_write_all is the only place that writes to one.
 */
#ifndef CHATLAB_LINEIO_H
#define CHATLAB_LINEIO_H

#include <stdbool.h>
#include <stddef.h>

/* A reader's state. Treat the fields as private; one reader per descriptor. */
struct lineio_reader {
	int fd;
	size_t max;      /* longest line accepted, or 0 for no limit */
	char *buf;       /* bytes read but not yet returned: buf[start..end) */
	size_t cap;
	size_t start;
	size_t end;
	size_t scanned;  /* bytes after start already searched for '\n' */
	bool discarding; /* dropping the rest of a too-long line */
};

enum lineio_status {
	LINEIO_LINE,     /* *line and *len hold the next line */
	LINEIO_TOO_LONG, /* a line longer than max; the rest of it is skipped */
	LINEIO_EOF,      /* the peer closed; a final unterminated piece is dropped */
	LINEIO_ERROR,    /* read() failed; errno says why */
};

/*
 * Prepares *r to read lines from fd, at most max bytes each (0: no limit).
 * Returns 0, or -1 when out of memory. The reader never closes fd.
 */
int lineio_reader_init(struct lineio_reader *r, int fd, size_t max);

/*
 * Reads the next line. On LINEIO_LINE, *line points to its first byte inside
 * the reader's buffer and *len is its length without the '\n' and without a
 * '\r' just before it. The line may contain NUL bytes and is not terminated;
 * it stays valid until the next call on r.
 *
 * A line longer than r->max is reported once as LINEIO_TOO_LONG, as soon as
 * the limit is passed; its remaining bytes, up to and including the next '\n',
 * are then read and thrown away. Blocks until a line, EOF or an error;
 * retries reads interrupted by signals (EINTR).
 */
enum lineio_status lineio_read_line(struct lineio_reader *r,
				    const char **line, size_t *len);

/* Frees the reader's buffer. */
void lineio_reader_free(struct lineio_reader *r);

/*
 * Sends all len bytes of buf on the socket fd, retrying after short writes
 * and EINTR. flags go to send(): MSG_NOSIGNAL is always added, so a departed
 * peer is an EPIPE error rather than a fatal SIGPIPE; add MSG_DONTWAIT to fail
 * instead of blocking when the socket's send buffer is full. Returns 0, or -1
 * with errno set (EPIPE or ECONNRESET when the peer is gone, EAGAIN when
 * MSG_DONTWAIT was given and the buffer filled up); part of buf may have been
 * sent before a failure.
 */
int lineio_write_all(int fd, const void *buf, size_t len, int flags);

#endif
