/*
 * protocol: names, command parsing and reply lines. See protocol.h.
 */
#include "protocol.h"

#include <stdlib.h>
#include <string.h>

bool proto_name_valid(const char *name, size_t len)
{
	/* BEGIN SOLUTION
	 * TODO(ex 2): return true when the len bytes at name form a valid
	 * name: 1 to PROTO_NAME_MAX bytes, each a letter, a digit, '_' or '-'.
	 * Compare bytes with explicit ranges: isalnum() depends on the locale.
	 * STUB: (void)name;
	 * STUB: (void)len;
	 * STUB: return false;
	 */
	if (len < 1 || len > PROTO_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = name[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
		if (!ok)
			return false;
	}
	return true;
	/* END SOLUTION */
}

/* BEGIN SOLUTION */
/* True when the len bytes at word are exactly the C string s. */
static bool word_is(const char *word, size_t len, const char *s)
{
	return len == strlen(s) && memcmp(word, s, len) == 0;
}

/*
 * "/msg <name> <text>": args is everything after "/msg ". The name ends at the
 * next space, and the text is everything after that one space, byte for byte.
 */
static void parse_msg(const char *args, size_t len, struct proto_command *cmd)
{
	const char *space = memchr(args, ' ', len);

	cmd->kind = PROTO_MSG_USAGE;
	if (space == NULL || space == args)
		return; /* no text at all, or an empty name */
	cmd->name = args;
	cmd->name_len = (size_t)(space - args);
	cmd->text = space + 1;
	cmd->text_len = len - cmd->name_len - 1;
	if (cmd->text_len > 0)
		cmd->kind = PROTO_MSG;
}

/* END SOLUTION */

void proto_parse(const char *line, size_t len, struct proto_command *cmd)
{
	/* BEGIN SOLUTION
	 * TODO(ex 2): split the line into its command word (up to the first
	 * space) and its arguments, and fill in *cmd as protocol.h describes.
	 * "/msg <name> <text>": the name ends at the next space; the text is
	 * everything after that single space, byte for byte, and must not be
	 * empty. The line is not a C string: use memchr and memcmp, not strtok.
	 * STUB: memset(cmd, 0, sizeof(*cmd));
	 * STUB: cmd->kind = PROTO_UNKNOWN;
	 * STUB: cmd->text = line;
	 * STUB: cmd->text_len = len;
	 */
	const char *space = memchr(line, ' ', len);
	size_t word_len = space ? (size_t)(space - line) : len;

	memset(cmd, 0, sizeof(*cmd));
	if (len == 0)
		cmd->kind = PROTO_EMPTY;
	else if (word_is(line, word_len, "/list"))
		cmd->kind = PROTO_LIST;
	else if (word_is(line, word_len, "/quit"))
		cmd->kind = PROTO_QUIT;
	else if (word_is(line, word_len, "/msg") && space == NULL)
		cmd->kind = PROTO_MSG_USAGE;
	else if (word_is(line, word_len, "/msg"))
		parse_msg(space + 1, len - word_len - 1, cmd);
	else {
		cmd->kind = PROTO_UNKNOWN;
		cmd->text = line;
		cmd->text_len = word_len;
	}
	/* END SOLUTION */
}

/*
 * Appends len bytes at src to the line being built in buf, cutting them short
 * so that the line and its final '\n' still fit in PROTO_REPLY_MAX bytes.
 */
static size_t append(char *buf, size_t used, const char *src, size_t len)
{
	size_t room = PROTO_REPLY_MAX - 1 - used;

	if (len > room)
		len = room;
	memcpy(buf + used, src, len);
	return used + len;
}

static size_t append_str(char *buf, size_t used, const char *s)
{
	return append(buf, used, s, strlen(s));
}

static size_t finish(char *buf, size_t used)
{
	buf[used] = '\n';
	return used + 1;
}

size_t proto_format_ok(char *buf, const char *text)
{
	size_t n = append_str(buf, 0, "OK ");

	return finish(buf, append_str(buf, n, text));
}

size_t proto_format_err(char *buf, const char *code,
			const char *detail, size_t detail_len)
{
	size_t n = append_str(buf, 0, "ERR ");

	n = append_str(buf, n, code);
	if (detail_len > 0)
		n = append(buf, append_str(buf, n, " "), detail, detail_len);
	return finish(buf, n);
}

size_t proto_format_msg(char *buf, const char *from,
			const char *text, size_t text_len)
{
	size_t n = append_str(buf, 0, "MSG ");

	n = append_str(buf, n, from);
	n = append_str(buf, n, " ");
	return finish(buf, append(buf, n, text, text_len));
}

char *proto_format_list(const char *const *names, size_t count, size_t *len)
{
	size_t size = sizeof("LIST\n");
	char *line, *p;

	for (size_t i = 0; i < count; i++)
		size += 1 + strlen(names[i]);
	line = malloc(size);
	if (line == NULL)
		return NULL;
	p = line + strlen(strcpy(line, "LIST"));
	for (size_t i = 0; i < count; i++) {
		*p++ = ' ';
		p = stpcpy(p, names[i]);
	}
	*p++ = '\n';
	*len = (size_t)(p - line);
	return line;
}
