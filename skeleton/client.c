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

/*
 * The input thread: forwards standard input, line by line, to the server
 * socket passed in arg. It stops after /quit, and sends /quit itself at end
 * of input; the main thread then sees the server close and exits.
 */
static void *input_thread(void *arg)
{
	/*
	 * TODO(ex 6): read standard input line by line (a lineio reader on
	 * STDIN_FILENO, with no length limit) and send each line, with its '\n',
	 * to the server socket *(int *)arg. Stop after sending /quit; at end of
	 * input, send /quit yourself.
	 */
	(void)arg;
	return NULL;
}

/*
 * Shows server lines until the server closes. Returns the exit status: 0 if
 * the server said goodbye to our /quit first, 1 otherwise.
 */
static int receive(struct lineio_reader *r)
{
	/*
	 * TODO(ex 6): show every line the server sends: "MSG alice hi" as
	 * "alice: hi", "LIST a b" as the names, "ERR code text" as its text;
	 * print OK replies quietly or not at all. Flush stdout after each line.
	 * At end of file return 0 if the last line was "OK bye" (the answer to
	 * our /quit), else say that the server closed the connection and return 1.
	 */
	(void)r;
	fprintf(stderr, "client: receiving is not written yet\n");
	return 1;
}

/* Sends the name and waits for the verdict. Returns true once registered. */
static bool register_name(int fd, struct lineio_reader *r, const char *name)
{
	/*
	 * TODO(ex 6): send the name as the first line and read the answer. On
	 * "OK ..." return true; on "ERR <code> <text>" print
	 * "client: name refused: <text>" on stderr and return false.
	 */
	(void)fd;
	(void)r;
	(void)name;
	fprintf(stderr, "client: registration is not written yet\n");
	return false;
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
