/*
 * protocol: the chat protocol's names, commands and reply lines.
 *
 * Pure functions: no I/O, no allocation except proto_format_list, no global
 * state. Lines are handled as (pointer, length) pairs, never as C strings,
 * because message text may contain NUL bytes and must pass through unchanged.
 *
 *   proto_name_valid    is this a valid client name?
 *   proto_parse         split one command line into a struct proto_command
 *   proto_format_*      build the server's reply lines, each ending in '\n'
 *
 * The contract these functions implement is handouts/protocol.md.
 */
#ifndef CHATLAB_PROTOCOL_H
#define CHATLAB_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>

/* A client line holds at most this many bytes, not counting its line end. */
#define PROTO_LINE_MAX 1000

/* A name is 1 to PROTO_NAME_MAX letters, digits, '_' or '-'. */
#define PROTO_NAME_MAX 32

/*
 * Every reply the server builds from one client line fits in this many
 * bytes: the longest is "MSG <32-byte name> <text of up to 993 bytes>\n".
 */
#define PROTO_REPLY_MAX 1100

/* Returns true when the len bytes at name form a valid client name. */
bool proto_name_valid(const char *name, size_t len);

enum proto_kind {
	PROTO_EMPTY,     /* an empty line: ignored, no reply */
	PROTO_LIST,      /* "/list", arguments ignored */
	PROTO_MSG,       /* "/msg <name> <text>" with both parts present */
	PROTO_MSG_USAGE, /* "/msg" with no name or no text */
	PROTO_QUIT,      /* "/quit", arguments ignored */
	PROTO_UNKNOWN,   /* anything else */
};

/*
 * One parsed command line. The pointers point into the line that was parsed
 * and are valid only as long as that line is.
 */
struct proto_command {
	enum proto_kind kind;
	const char *name; /* PROTO_MSG: the destination name */
	size_t name_len;
	const char *text; /* PROTO_MSG: the message, byte for byte */
	size_t text_len;  /* PROTO_UNKNOWN: the command word */
};

/*
 * Parses the len bytes at line (without its line end) into *cmd.
 * Every line parses into some kind; this function cannot fail.
 */
void proto_parse(const char *line, size_t len, struct proto_command *cmd);

/*
 * The proto_format_* functions write one complete reply line, ending in '\n',
 * into buf (PROTO_REPLY_MAX bytes) and return its length. Arguments that would
 * not fit are cut short, so the result is always a single well-formed line.
 */

/* "OK <text>\n", for example "OK welcome alice\n". */
size_t proto_format_ok(char *buf, const char *text);

/* "ERR <code> <detail>\n"; code is one of the contract's error codes. */
size_t proto_format_err(char *buf, const char *code,
			const char *detail, size_t detail_len);

/* "MSG <from> <text>\n": what the destination of a /msg receives. */
size_t proto_format_msg(char *buf, const char *from,
			const char *text, size_t text_len);

/*
 * Builds "LIST <name> <name> ...\n" from count names (each a C string) in a
 * buffer it allocates. Returns the buffer, which the caller frees, and sets
 * *len to the line's length; returns NULL when out of memory.
 */
char *proto_format_list(const char *const *names, size_t count, size_t *len);

#endif
