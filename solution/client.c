/*
 * client: the chat client.
 *
 *   client HOST PORT NAME
 *
 * Connects, registers NAME, then runs two threads: an input thread sends
 * each line typed on standard input to the server, while the main thread
 * shows each line the server sends as it arrives, so messages appear even
 * while the user is typing. End of input sends /quit.
 *
 * Exit status: 0 after /quit or end of input; 1 when the client cannot
 * connect, its name is refused, or the server closes the connection; 2 for
 * bad usage.
 */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lineio.h"
#include "net.h"
#include "protocol.h"

/* BEGIN SOLUTION */
/* Sends len bytes of line and a '\n' in one piece. Returns 0 or -1. */
static int send_line(int fd, const char *line, size_t len)
{
	char *buf = malloc(len + 1);
	int rc;

	if (buf == NULL)
		return -1;
	memcpy(buf, line, len);
	buf[len] = '\n';
	rc = lineio_write_all(fd, buf, len + 1, 0);
	free(buf);
	return rc;
}

/* True when the len bytes at line are exactly word or start with word " ". */
static bool starts_with(const char *line, size_t len, const char *word)
{
	size_t n = strlen(word);

	return len >= n && memcmp(line, word, n) == 0 &&
	       (len == n || line[n] == ' ');
}
/* END SOLUTION */

/*
 * The input thread: forwards standard input, line by line, to the server
 * socket passed in arg. It stops after /quit, and sends /quit itself at end
 * of input; the main thread then sees the server close and exits.
 */
static void *input_thread(void *arg)
{
	/* BEGIN SOLUTION
	 * TODO(ex 6): read standard input line by line (a lineio reader on
	 * STDIN_FILENO, with no length limit) and send each line, with its '\n',
	 * to the server socket *(int *)arg. Stop after sending /quit; at end of
	 * input, send /quit yourself.
	 * STUB: (void)arg;
	 * STUB: return NULL;
	 */
	int fd = *(int *)arg;
	struct lineio_reader in;
	const char *line;
	size_t len;

	if (lineio_reader_init(&in, STDIN_FILENO, 0) < 0)
		return NULL;
	for (;;) {
		enum lineio_status st = lineio_read_line(&in, &line, &len);

		if (st != LINEIO_LINE) {
			send_line(fd, "/quit", 5);
			break;
		}
		if (send_line(fd, line, len) < 0 || starts_with(line, len, "/quit"))
			break;
	}
	lineio_reader_free(&in);
	return NULL;
	/* END SOLUTION */
}

/* BEGIN SOLUTION */
/* Prints the len bytes at text, which may hold any byte, and a newline. */
static void print_line(const char *prefix, const char *text, size_t len)
{
	fputs(prefix, stdout);
	fwrite(text, 1, len, stdout);
	putchar('\n');
	fflush(stdout);
}

/*
 * Shows one line from the server: "MSG alice hi" as "alice: hi", "LIST ..."
 * as the names, "ERR code text" as its text. Plain OK replies show nothing.
 */
static void show(const char *line, size_t len)
{
	const char *sp;

	if (starts_with(line, len, "MSG")) {
		line += 4, len -= len > 4 ? 4 : len;
		sp = memchr(line, ' ', len);
		if (sp != NULL) {
			fwrite(line, 1, (size_t)(sp - line), stdout);
			print_line(": ", sp + 1, len - (size_t)(sp - line) - 1);
			return;
		}
	} else if (starts_with(line, len, "LIST")) {
		print_line("online:", line + 4, len - 4);
		return;
	} else if (starts_with(line, len, "ERR")) {
		const char *code = line + 4;
		size_t rest = len > 4 ? len - 4 : 0;
		size_t code_len;

		sp = memchr(code, ' ', rest);
		code_len = sp ? (size_t)(sp - code) : rest;
		fputs("error: ", stdout);
		if (sp != NULL)
			fwrite(sp + 1, 1, rest - code_len - 1, stdout);
		printf(" (%.*s)\n", (int)code_len, code);
		fflush(stdout);
		return;
	} else if (starts_with(line, len, "OK")) {
		return;
	}
	print_line("", line, len);
}

/* The free text of an ERR line ("ERR code text"), for the user. */
static void print_refusal(const char *line, size_t len)
{
	const char *sp = memchr(line, ' ', len);

	if (sp != NULL && (sp = memchr(sp + 1, ' ', len - (size_t)(sp + 1 - line))))
		len -= (size_t)(sp + 1 - line), line = sp + 1;
	fprintf(stderr, "client: name refused: %.*s\n", (int)len, line);
}
/* END SOLUTION */

/*
 * Shows server lines until the server closes. Returns the exit status: 0 if
 * the server said goodbye to our /quit first, 1 otherwise.
 */
static int receive(struct lineio_reader *r)
{
	/* BEGIN SOLUTION
	 * TODO(ex 6): show every line the server sends: "MSG alice hi" as
	 * "alice: hi", "LIST a b" as the names, "ERR code text" as its text;
	 * print OK replies quietly or not at all. Flush stdout after each line.
	 * At end of file return 0 if the last line was "OK bye" (the answer to
	 * our /quit), else say that the server closed the connection and return 1.
	 * STUB: (void)r;
	 * STUB: fprintf(stderr, "client: receiving is not written yet\n");
	 * STUB: return 1;
	 */
	const char *line;
	size_t len;
	bool bye = false;

	while (lineio_read_line(r, &line, &len) == LINEIO_LINE) {
		bye = len == 6 && memcmp(line, "OK bye", 6) == 0;
		show(line, len);
	}
	if (bye)
		return 0;
	fprintf(stderr, "client: server closed the connection\n");
	return 1;
	/* END SOLUTION */
}

/* Sends the name and waits for the verdict. Returns true once registered. */
static bool register_name(int fd, struct lineio_reader *r, const char *name)
{
	/* BEGIN SOLUTION
	 * TODO(ex 6): send the name as the first line and read the answer. On
	 * "OK ..." return true; on "ERR <code> <text>" print
	 * "client: name refused: <text>" on stderr and return false.
	 * STUB: (void)fd;
	 * STUB: (void)r;
	 * STUB: (void)name;
	 * STUB: fprintf(stderr, "client: registration is not written yet\n");
	 * STUB: return false;
	 */
	const char *line;
	size_t len;

	if (send_line(fd, name, strlen(name)) < 0 ||
	    lineio_read_line(r, &line, &len) != LINEIO_LINE) {
		fprintf(stderr, "client: server closed the connection\n");
		return false;
	}
	if (!starts_with(line, len, "OK")) {
		print_refusal(line, len);
		return false;
	}
	return true;
	/* END SOLUTION */
}

int main(int argc, char **argv)
{
	struct lineio_reader r;
	const char *why;
	pthread_t input;
	int fd, status;

	if (argc != 4 || strpbrk(argv[3], "\r\n") != NULL) {
		fprintf(stderr, "usage: client HOST PORT NAME\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	fd = net_connect(argv[1], argv[2], &why);
	if (fd < 0) {
		fprintf(stderr, "client: cannot connect to %s port %s: %s\n",
			argv[1], argv[2], why);
		return 1;
	}
	status = 1;
	if (lineio_reader_init(&r, fd, 0) < 0) {
		close(fd);
		return 1;
	}
	if (!register_name(fd, &r, argv[3]))
		goto out;
	printf("connected to %s port %s as %s\n", argv[1], argv[2], argv[3]);
	fflush(stdout);

	if (pthread_create(&input, NULL, input_thread, &fd) != 0) {
		fprintf(stderr, "client: cannot start the input thread\n");
		goto out;
	}
	status = receive(&r);
	/*
	 * After a goodbye the input thread has finished and can be joined. If
	 * the server hung up instead, it may still be waiting for the user to
	 * type; returning from main ends it with the process.
	 */
	if (status == 0)
		pthread_join(input, NULL);
out:
	lineio_reader_free(&r);
	close(fd);
	return status;
}
