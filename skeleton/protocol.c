/*
 * protocol: names, command parsing and reply lines. See protocol.h.
 */
#include "protocol.h"

#include <stdlib.h>
#include <string.h>

bool proto_name_valid(const char *name, size_t len)
{
	/*
	 * TODO(ex 2): return true when the len bytes at name form a valid
	 * name: 1 to PROTO_NAME_MAX bytes, each a letter, a digit, '_' or '-'.
	 * Compare bytes with explicit ranges: isalnum() depends on the locale.
	 */
	(void)name;
	(void)len;
	return false;
}

void proto_parse(const char *line, size_t len, struct proto_command *cmd)
{
	/*
	 * TODO(ex 2): split the line into its command word (up to the first
	 * space) and its arguments, and fill in *cmd as protocol.h describes.
	 * "/msg <name> <text>": the name ends at the next space; the text is
	 * everything after that single space, byte for byte, and must not be
	 * empty. The line is not a C string: use memchr and memcmp, not strtok.
	 */
	memset(cmd, 0, sizeof(*cmd));
	cmd->kind = PROTO_UNKNOWN;
	cmd->text = line;
	cmd->text_len = len;
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
