/*
 * Unit tests of the line reader and the write-all helper, over socketpairs.
 *
 * A writer thread feeds the reader in chunks of odd sizes, because one
 * read() returns whatever has arrived: part of a line, or several lines.
 */
#define _GNU_SOURCE /* gettid */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lineio.h"

struct feed {
	int fd;
	const char *data;
	size_t len;
	size_t chunk;
};

/* Writes feed->data in chunks of feed->chunk bytes, then closes its end. */
static void *feeder(void *arg)
{
	struct feed *f = arg;

	for (size_t off = 0; off < f->len; off += f->chunk) {
		size_t n = f->len - off < f->chunk ? f->len - off : f->chunk;

		if (write(f->fd, f->data + off, n) != (ssize_t)n)
			break;
	}
	close(f->fd);
	return NULL;
}

/* A reader on one end of a socketpair fed by a thread on the other. */
struct rig {
	struct lineio_reader r;
	struct feed feed;
	pthread_t thread;
	int fd;
};

static void rig_start(struct rig *g, const char *data, size_t len,
		      size_t chunk, size_t max)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	g->fd = sv[0];
	g->feed = (struct feed){ sv[1], data, len, chunk };
	ck_assert_int_eq(lineio_reader_init(&g->r, sv[0], max), 0);
	ck_assert_int_eq(pthread_create(&g->thread, NULL, feeder, &g->feed), 0);
}

static void rig_stop(struct rig *g)
{
	pthread_join(g->thread, NULL);
	lineio_reader_free(&g->r);
	close(g->fd);
}

static const char *status_name(enum lineio_status st)
{
	switch (st) {
	case LINEIO_LINE: return "LINEIO_LINE";
	case LINEIO_TOO_LONG: return "LINEIO_TOO_LONG";
	case LINEIO_EOF: return "LINEIO_EOF";
	case LINEIO_ERROR: return "LINEIO_ERROR";
	}
	return "(not a status)";
}

/* How many bytes of a line to print: Check's messages are short. */
static int shown(size_t len)
{
	return len > 60 ? 60 : (int)len;
}

/* Reads one result and checks it: a line equal to want (want_len bytes). */
static void expect_line(struct rig *g, const char *want, size_t want_len,
			size_t chunk)
{
	const char *line = NULL;
	size_t len = 0;
	enum lineio_status st = lineio_read_line(&g->r, &line, &len);

	ck_assert_msg(st == LINEIO_LINE, "fed in %zu-byte chunks: expected the "
		      "line \"%.*s\" (%zu bytes), got %s", chunk, shown(want_len),
		      want, want_len, status_name(st));
	ck_assert_msg(len == want_len && memcmp(line, want, len) == 0,
		      "fed in %zu-byte chunks: expected \"%.*s\" (%zu bytes), got "
		      "\"%.*s\" (%zu bytes)", chunk, shown(want_len), want, want_len,
		      shown(len), line, len);
}

static void expect_status(struct rig *g, enum lineio_status want, size_t chunk)
{
	const char *line;
	size_t len;
	enum lineio_status st = lineio_read_line(&g->r, &line, &len);

	ck_assert_msg(st == want, "fed in %zu-byte chunks: expected %s, got %s",
		      chunk, status_name(want), status_name(st));
}

static const size_t chunks[] = { 1, 2, 3, 7, 13, 64, 1000, 1001, 100000 };
#define NCHUNKS (sizeof(chunks) / sizeof(chunks[0]))

/* ---- reading lines -------------------------------------------------------- */

START_TEST(reads_lines_whatever_the_chunk_size)
{
	static const char data[] = "alice\n/list\n/msg bob hi there\n\n/quit\n";
	size_t chunk = chunks[_i];
	struct rig g;

	rig_start(&g, data, sizeof(data) - 1, chunk, 1000);
	expect_line(&g, "alice", 5, chunk);
	expect_line(&g, "/list", 5, chunk);
	expect_line(&g, "/msg bob hi there", 17, chunk);
	expect_line(&g, "", 0, chunk);
	expect_line(&g, "/quit", 5, chunk);
	expect_status(&g, LINEIO_EOF, chunk);
	rig_stop(&g);
}
END_TEST

START_TEST(drops_only_the_cr_of_a_crlf)
{
	static const char data[] = "one\r\ntw\ro\r\n\r\nthree\r\r\n";
	size_t chunk = chunks[_i];
	struct rig g;

	rig_start(&g, data, sizeof(data) - 1, chunk, 1000);
	expect_line(&g, "one", 3, chunk);
	expect_line(&g, "tw\ro", 4, chunk);
	expect_line(&g, "", 0, chunk);
	expect_line(&g, "three\r", 6, chunk);
	expect_status(&g, LINEIO_EOF, chunk);
	rig_stop(&g);
}
END_TEST

START_TEST(keeps_nul_and_binary_bytes)
{
	static const char data[] = "a\0b\xff\x01z\nnext\n";
	size_t chunk = chunks[_i];
	struct rig g;

	rig_start(&g, data, sizeof(data) - 1, chunk, 1000);
	expect_line(&g, "a\0b\xff\x01z", 6, chunk);
	expect_line(&g, "next", 4, chunk);
	rig_stop(&g);
}
END_TEST

START_TEST(drops_a_final_piece_without_newline)
{
	static const char data[] = "whole\npartial";
	size_t chunk = chunks[_i];
	struct rig g;

	rig_start(&g, data, sizeof(data) - 1, chunk, 1000);
	expect_line(&g, "whole", 5, chunk);
	expect_status(&g, LINEIO_EOF, chunk);
	rig_stop(&g);
}
END_TEST

START_TEST(eof_at_once)
{
	struct rig g;

	rig_start(&g, "", 0, 1, 1000);
	expect_status(&g, LINEIO_EOF, 1);
	rig_stop(&g);
}
END_TEST

START_TEST(read_error_is_reported)
{
	const char *line;
	size_t len;
	enum lineio_status st;
	int sv[2];
	struct rig g = { 0 };

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(write(sv[1], "ok\n", 3), 3);
	ck_assert_int_eq(lineio_reader_init(&g.r, sv[0], 1000), 0);
	expect_line(&g, "ok", 2, 3);
	close(sv[0]); /* now reading it fails with EBADF */
	st = lineio_read_line(&g.r, &line, &len);
	ck_assert_msg(st == LINEIO_ERROR, "reading a closed descriptor: expected "
		      "LINEIO_ERROR, got %s", status_name(st));
	lineio_reader_free(&g.r);
	close(sv[1]);
}
END_TEST

/* ---- the line limit ----------------------------------------------------------- */

/* n bytes of 'x', then the given tail; the caller frees. */
static char *long_line(size_t n, const char *tail, size_t *len)
{
	size_t t = strlen(tail);
	char *s = malloc(n + t + 1);

	memset(s, 'x', n);
	memcpy(s + n, tail, t + 1);
	*len = n + t;
	return s;
}

START_TEST(accepts_exactly_max_bytes)
{
	size_t chunk = chunks[_i], len;
	char *data = long_line(1000, "\r\nok\n", &len);
	struct rig g;

	rig_start(&g, data, len, chunk, 1000);
	expect_line(&g, data, 1000, chunk);
	expect_line(&g, "ok", 2, chunk);
	rig_stop(&g);
	free(data);
}
END_TEST

START_TEST(reports_max_plus_one_as_too_long_once)
{
	size_t chunk = chunks[_i], len;
	char *data = long_line(1001, "\nnext\n", &len);
	struct rig g;

	rig_start(&g, data, len, chunk, 1000);
	expect_status(&g, LINEIO_TOO_LONG, chunk);
	expect_line(&g, "next", 4, chunk);
	expect_status(&g, LINEIO_EOF, chunk);
	rig_stop(&g);
	free(data);
}
END_TEST

START_TEST(skips_a_huge_line_and_reads_the_next)
{
	size_t chunk = chunks[_i], len;
	char *data = long_line(100000, "\r\n/list\n", &len);
	struct rig g;

	rig_start(&g, data, len, chunk < 13 ? 997 : chunk, 1000);
	expect_status(&g, LINEIO_TOO_LONG, chunk);
	expect_line(&g, "/list", 5, chunk);
	expect_status(&g, LINEIO_EOF, chunk);
	rig_stop(&g);
	free(data);
}
END_TEST

START_TEST(unlimited_reader_reads_a_megabyte_line)
{
	size_t len;
	char *data = long_line(1 << 20, "\nend\n", &len);
	struct rig g;

	rig_start(&g, data, len, 65536, 0);
	expect_line(&g, data, 1 << 20, 65536);
	expect_line(&g, "end", 3, 65536);
	rig_stop(&g);
	free(data);
}
END_TEST

/* ---- writing ---------------------------------------------------------------------- */

struct drain {
	int fd;
	size_t piece; /* bytes per read(): small keeps the writer blocked */
	size_t total;
	unsigned char expect; /* the next byte should be this */
	int ok;
};

/* Reads in small pieces until EOF, checking the byte pattern. */
static void *drainer(void *arg)
{
	struct drain *d = arg;
	unsigned char buf[4096];
	ssize_t n;

	d->ok = 1;
	while ((n = read(d->fd, buf, d->piece)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != d->expect++)
				d->ok = 0;
		d->total += (size_t)n;
	}
	return NULL;
}

static unsigned char *pattern(size_t n)
{
	unsigned char *p = malloc(n);

	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)i;
	return p;
}

START_TEST(write_all_sends_everything_to_a_slow_reader)
{
	enum { N = 4 << 20 };
	unsigned char *data = pattern(N);
	struct drain d = { .piece = 777 };
	pthread_t t;
	int sv[2], rc;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	d.fd = sv[1];
	pthread_create(&t, NULL, drainer, &d);
	rc = lineio_write_all(sv[0], data, N, 0);
	close(sv[0]);
	pthread_join(t, NULL);
	close(sv[1]);
	ck_assert_msg(rc == 0, "lineio_write_all of 4 MiB returned %d (%s)", rc,
		      strerror(errno));
	ck_assert_msg(d.total == N && d.ok, "4 MiB sent through a socket the "
		      "reader drains slowly: %zu bytes arrived%s, expected %d in "
		      "order", d.total, d.ok ? "" : " out of order", N);
	free(data);
}
END_TEST

static atomic_int handled; /* signals the writer has handled */

static void on_signal(int sig)
{
	(void)sig;
	atomic_fetch_add(&handled, 1);
}

/* True once thread tid is blocked in the system call nr (bounded: 5 s). */
static int wait_in_syscall(pid_t tid, long nr)
{
	char path[64], buf[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	for (int tries = 0; tries < 5000; tries++) {
		FILE *f = fopen(path, "r");
		int in = f && fgets(buf, sizeof(buf), f) && atol(buf) == nr;

		if (f)
			fclose(f);
		if (in)
			return 1;
		usleep(1000); /* polling a thread's state: it sends no message */
	}
	return 0;
}

struct pester {
	pthread_t target;  /* the writer */
	pid_t tid;
	struct drain drain;
	int sent;          /* signals sent while the writer was in sendto */
};

/*
 * Each time the writer is blocked in sendto() on the full socket, sends it a
 * signal and waits for the handler to run: the first interrupts a send that
 * wrote part of its bytes (a short write), the next ones a send that wrote
 * nothing (EINTR). Then reads everything, so the writer can finish.
 */
static void *pesterer(void *arg)
{
	struct pester *p = arg;

	for (int i = 0; i < 5 && wait_in_syscall(p->tid, SYS_sendto); i++) {
		pthread_kill(p->target, SIGUSR1);
		for (int t = 0; t < 5000 && atomic_load(&handled) <= i; t++)
			usleep(1000);
		p->sent++;
	}
	return drainer(&p->drain);
}

START_TEST(write_all_resumes_after_short_writes_and_eintr)
{
	enum { N = 1 << 20 };
	unsigned char *data = pattern(N);
	struct sigaction sa = { 0 };
	struct pester p = { .target = pthread_self(), .tid = gettid(),
			    .drain = { .piece = 4096 } };
	pthread_t k;
	int sv[2], rc;

	sa.sa_handler = on_signal; /* no SA_RESTART: send() fails with EINTR */
	sigaction(SIGUSR1, &sa, NULL);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	p.drain.fd = sv[1];
	pthread_create(&k, NULL, pesterer, &p);
	rc = lineio_write_all(sv[0], data, N, 0);
	close(sv[0]);
	pthread_join(k, NULL);
	close(sv[1]);
	ck_assert_msg(p.sent == 5, "could not interrupt the blocked writer (%d "
		      "signals sent)", p.sent);
	ck_assert_msg(rc == 0, "signals interrupted send() five times; "
		      "lineio_write_all returned %d (%s): after a short write, send "
		      "the rest; after EINTR, try again", rc, strerror(errno));
	ck_assert_msg(p.drain.total == N && p.drain.ok, "with signals "
		      "interrupting send(): %zu bytes arrived%s, expected %d",
		      p.drain.total, p.drain.ok ? "" : " out of order", N);
	free(data);
}
END_TEST

START_TEST(write_all_dontwait_fails_on_a_full_buffer)
{
	enum { N = 16 << 20 };
	unsigned char *data = pattern(N);
	int sv[2], rc, err;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	rc = lineio_write_all(sv[0], data, N, MSG_DONTWAIT);
	err = errno;
	close(sv[0]);
	close(sv[1]);
	ck_assert_msg(rc == -1 && (err == EAGAIN || err == EWOULDBLOCK),
		      "16 MiB to a peer that never reads, with MSG_DONTWAIT: "
		      "expected -1 with EAGAIN, got %d (%s)", rc, strerror(err));
	free(data);
}
END_TEST

START_TEST(write_all_to_a_closed_peer_fails_with_epipe)
{
	int sv[2], rc, err;

	signal(SIGPIPE, SIG_DFL); /* the helper itself must avoid SIGPIPE */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	rc = lineio_write_all(sv[0], "hello\n", 6, 0);
	err = errno;
	close(sv[0]);
	ck_assert_msg(rc == -1 && err == EPIPE, "writing to a socket whose peer "
		      "closed: expected -1 with EPIPE, got %d (%s)", rc,
		      strerror(err));
}
END_TEST

static Suite *lineio_suite(void)
{
	Suite *s = suite_create("lineio");
	TCase *reading = tcase_create("reading");
	TCase *limit = tcase_create("limit");
	TCase *writing = tcase_create("writing");

	tcase_set_timeout(reading, 10);
	tcase_set_timeout(limit, 20);
	tcase_set_timeout(writing, 20);
	tcase_add_loop_test(reading, reads_lines_whatever_the_chunk_size, 0, NCHUNKS);
	tcase_add_loop_test(reading, drops_only_the_cr_of_a_crlf, 0, NCHUNKS);
	tcase_add_loop_test(reading, keeps_nul_and_binary_bytes, 0, NCHUNKS);
	tcase_add_loop_test(reading, drops_a_final_piece_without_newline, 0, NCHUNKS);
	tcase_add_test(reading, eof_at_once);
	tcase_add_test(reading, read_error_is_reported);
	tcase_add_loop_test(limit, accepts_exactly_max_bytes, 0, NCHUNKS);
	tcase_add_loop_test(limit, reports_max_plus_one_as_too_long_once, 0, NCHUNKS);
	tcase_add_loop_test(limit, skips_a_huge_line_and_reads_the_next, 0, NCHUNKS);
	tcase_add_test(limit, unlimited_reader_reads_a_megabyte_line);
	tcase_add_test(writing, write_all_sends_everything_to_a_slow_reader);
	tcase_add_test(writing, write_all_resumes_after_short_writes_and_eintr);
	tcase_add_test(writing, write_all_dontwait_fails_on_a_full_buffer);
	tcase_add_test(writing, write_all_to_a_closed_peer_fails_with_epipe);
	suite_add_tcase(s, reading);
	suite_add_tcase(s, limit);
	suite_add_tcase(s, writing);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(lineio_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
