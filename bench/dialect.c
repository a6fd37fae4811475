/*
 * dialect: the chat protocol and IRC, as far as the load generator needs
 * them. See dialect.h.
 */
#define _GNU_SOURCE /* memmem */
#include "dialect.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* True when the len-byte line starts with the C string prefix. */
static bool starts(const char *line, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(line, prefix, n) == 0;
}

/* The end of the word that starts at p: the next space, or end. */
static const char *word_end(const char *p, const char *end)
{
	const char *sp = memchr(p, ' ', (size_t)(end - p));

	return sp ? sp : end;
}

/* Sets out to kind with the argument from p to the end of the line. */
static void set(struct dialect_line *out, enum dialect_kind kind,
		const char *p, const char *end)
{
	out->kind = kind;
	out->arg = p;
	out->arg_len = p != NULL && end > p ? (size_t)(end - p) : 0;
}

/* ---- the chat protocol ------------------------------------------------ */

static int chat_hello(char *buf, size_t size, const char *name)
{
	return snprintf(buf, size, "%s\n", name);
}

static int chat_msg(char *buf, size_t size, const char *to, const char *text)
{
	return snprintf(buf, size, "/msg %s %s\n", to, text);
}

static int chat_list(char *buf, size_t size)
{
	return snprintf(buf, size, "/list\n");
}

static int chat_pong(char *buf, size_t size, const char *arg, size_t arg_len)
{
	(void)arg;
	(void)arg_len;
	return snprintf(buf, size, "%s", ""); /* the chat protocol has no PING */
}

static void chat_parse(const char *line, size_t len, struct dialect_line *out)
{
	const char *end = line + len, *p;

	set(out, DIALECT_OTHER, NULL, NULL);
	if (starts(line, len, "MSG ")) {
		/* "MSG <from> <text>": the text starts after the second space. */
		p = memchr(line + 4, ' ', len - 4);
		set(out, DIALECT_DELIVERY, p ? p + 1 : end, end);
	} else if (starts(line, len, "OK welcome")) {
		set(out, DIALECT_WELCOME, NULL, NULL);
	} else if (starts(line, len, "OK sent")) {
		set(out, DIALECT_SENT, NULL, NULL);
	} else if (starts(line, len, "LIST")) {
		set(out, DIALECT_LIST_END, len > 5 ? line + 5 : end, end);
	} else if (starts(line, len, "ERR no-such-user ")) {
		p = line + strlen("ERR no-such-user ");
		set(out, DIALECT_NO_SUCH_USER, p, word_end(p, end));
	} else if (starts(line, len, "ERR bad-name") ||
		   starts(line, len, "ERR name-taken") ||
		   starts(line, len, "ERR server-full")) {
		set(out, DIALECT_REFUSED, line, end);
	} else if (starts(line, len, "ERR")) {
		set(out, DIALECT_ERROR, line, end);
	}
}

const struct dialect dialect_chat = {
	.name = "chat",
	.text_max = 900,
	.hello = chat_hello,
	.msg = chat_msg,
	.list = chat_list,
	.pong = chat_pong,
	.parse = chat_parse,
};

/* ---- IRC ------------------------------------------------------------- */

static int irc_hello(char *buf, size_t size, const char *name)
{
	return snprintf(buf, size, "NICK %s\r\nUSER %s 0 * :%s\r\n", name, name,
			name);
}

static int irc_msg(char *buf, size_t size, const char *to, const char *text)
{
	return snprintf(buf, size, "PRIVMSG %s :%s\r\n", to, text);
}

static int irc_list(char *buf, size_t size)
{
	return snprintf(buf, size, "NAMES\r\n");
}

static int irc_pong(char *buf, size_t size, const char *arg, size_t arg_len)
{
	return snprintf(buf, size, "PONG :%.*s\r\n", (int)arg_len, arg);
}

/* The start of the trailing parameter (after " :") in [p, end), or end. */
static const char *trailing(const char *p, const char *end)
{
	const char *t = memmem(p, (size_t)(end - p), " :", 2);

	return t ? t + 2 : end;
}

/* The n-th space-separated word in [p, end) (0: the first), or NULL. */
static const char *word(const char *p, const char *end, int n)
{
	while (n-- > 0) {
		p = memchr(p, ' ', (size_t)(end - p));
		if (p == NULL)
			return NULL;
		p++;
	}
	return p < end ? p : NULL;
}

static void irc_parse(const char *line, size_t len, struct dialect_line *out)
{
	const char *end = line + len, *p = line, *cmd, *name;

	set(out, DIALECT_OTHER, NULL, NULL);
	if (len > 0 && *p == ':' && (p = memchr(p, ' ', len)) != NULL)
		p++; /* skip the ":prefix " of who sent it */
	if (p == NULL || p >= end)
		return;
	cmd = p;
	if (starts(cmd, (size_t)(end - cmd), "PING ")) {
		p = cmd + 5;
		set(out, DIALECT_PING, *p == ':' ? p + 1 : p, end);
	} else if (starts(cmd, (size_t)(end - cmd), "PRIVMSG ")) {
		set(out, DIALECT_DELIVERY, trailing(cmd, end), end);
	} else if (starts(cmd, (size_t)(end - cmd), "ERROR")) {
		set(out, DIALECT_REFUSED, line, end);
	} else if (starts(cmd, (size_t)(end - cmd), "001 ")) {
		set(out, DIALECT_WELCOME, NULL, NULL);
	} else if (starts(cmd, (size_t)(end - cmd), "353 ")) {
		set(out, DIALECT_LIST_PART, trailing(cmd, end), end);
	} else if (starts(cmd, (size_t)(end - cmd), "366 ")) {
		set(out, DIALECT_LIST_END, NULL, NULL);
	} else if (starts(cmd, (size_t)(end - cmd), "401 ")) {
		/* "401 <me> <name> :No such nick or channel name" */
		name = word(cmd, end, 2);
		set(out, DIALECT_NO_SUCH_USER, name, name ? word_end(name, end) : NULL);
	} else if (starts(cmd, (size_t)(end - cmd), "43")) {
		set(out, DIALECT_REFUSED, line, end); /* 431-437: bad nick */
	} else if (*cmd == '4' || *cmd == '5') {
		set(out, DIALECT_ERROR, line, end);
	}
}

const struct dialect dialect_irc = {
	.name = "irc",
	.text_max = 400, /* an IRC line holds 512 bytes, prefix included */
	.hello = irc_hello,
	.msg = irc_msg,
	.list = irc_list,
	.pong = irc_pong,
	.parse = irc_parse,
};
