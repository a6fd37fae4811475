/*
 * dialect: the few lines the load generator says and understands, in the
 * chat protocol (../shared/protocol.md) and in IRC (RFC 2812, as ngircd
 * speaks it), so that one load generator can drive both servers the same way.
 *
 *   dialect_chat, dialect_irc   the two dialects
 *
 * Every function writes into a caller's buffer of the given size and
 * returns the length of the text, line end included (like snprintf, it may
 * be >= size when the buffer is too small, and then the text is cut).
 */
#ifndef BENCH_DIALECT_H
#define BENCH_DIALECT_H

#include <stddef.h>

/* What a line from the server means to the load generator. */
enum dialect_kind {
	DIALECT_OTHER,        /* nothing the load generator needs */
	DIALECT_WELCOME,      /* registration succeeded */
	DIALECT_REFUSED,      /* registration failed; the server says why */
	DIALECT_SENT,         /* the reply to a message sent (chat only) */
	DIALECT_NO_SUCH_USER, /* a message's destination is not connected */
	DIALECT_ERROR,        /* any other error reply */
	DIALECT_DELIVERY,     /* a message from another client */
	DIALECT_LIST_PART,    /* some of the names (IRC: one 353 line) */
	DIALECT_LIST_END,     /* the list is complete (chat: the LIST line) */
	DIALECT_PING,         /* the server checks we are alive (IRC) */
};

/* A parsed line: its kind and, for some kinds, an argument. */
struct dialect_line {
	enum dialect_kind kind;
	const char *arg; /* DELIVERY: the text; NO_SUCH_USER: the name;
			    LIST_*: the names, space-separated; PING: its token */
	size_t arg_len;
};

struct dialect {
	const char *name;
	/* The longest message text the dialect carries safely. */
	size_t text_max;
	/* The registration of a client called name. */
	int (*hello)(char *buf, size_t size, const char *name);
	/* A message with text to the client called to. */
	int (*msg)(char *buf, size_t size, const char *to, const char *text);
	/* A request for the names of every client; NULL if there is none. */
	int (*list)(char *buf, size_t size);
	/* The answer to a PING whose token is arg (arg_len bytes). */
	int (*pong)(char *buf, size_t size, const char *arg, size_t arg_len);
	/* Parses the len-byte line (NUL-terminated) into *out. */
	void (*parse)(const char *line, size_t len, struct dialect_line *out);
};

extern const struct dialect dialect_chat;
extern const struct dialect dialect_irc;

#endif
