/*
 * Unit tests of the protocol module: names, command parsing, reply lines.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"

/* Parses a C string literal (or sized bytes) and returns the command. */
static struct proto_command parse_n(const char *line, size_t len)
{
	struct proto_command cmd;

	proto_parse(line, len, &cmd);
	return cmd;
}

static struct proto_command parse(const char *line)
{
	return parse_n(line, strlen(line));
}

static const char *kind_name(enum proto_kind k)
{
	static const char *names[] = { "PROTO_EMPTY", "PROTO_LIST", "PROTO_MSG",
		"PROTO_MSG_USAGE", "PROTO_QUIT", "PROTO_UNKNOWN" };
	return k <= PROTO_UNKNOWN ? names[k] : "(not a kind)";
}

#define ck_assert_kind(line, cmd, want)                                      \
	ck_assert_msg((cmd).kind == (want),                                  \
		      "parsing \"%s\": expected %s, got %s", (line),         \
		      kind_name(want), kind_name((cmd).kind))

/* p, or "" for NULL, for printing. */
static const char *or_empty(const char *p)
{
	return p != NULL ? p : "";
}

/* Asserts that the len bytes at got equal the C string want. */
#define ck_assert_bytes(what, got, got_len, want)                            \
	ck_assert_msg((got_len) == strlen(want) &&                          \
			      memcmp((got), (want), (got_len)) == 0,         \
		      "%s: expected \"%s\", got \"%.*s\" (%zu bytes)", (what), \
		      (want), (int)(got_len), or_empty(got), (size_t)(got_len))

/* ---- names ------------------------------------------------------------- */

START_TEST(name_accepts_letters_digits_underscore_dash)
{
	const char *good[] = { "a", "Z", "0", "_", "-", "alice", "Bob_42",
			       "x-y_z", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef" };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(proto_name_valid(good[i], strlen(good[i])),
			      "\"%s\" is a valid name, but was rejected", good[i]);
}
END_TEST

START_TEST(name_rejects_empty_and_too_long)
{
	char name33[34];

	memset(name33, 'a', 33);
	name33[33] = '\0';
	ck_assert_msg(!proto_name_valid("", 0), "the empty name was accepted");
	ck_assert_msg(proto_name_valid(name33, 32), "a 32-byte name was rejected");
	ck_assert_msg(!proto_name_valid(name33, 33), "a 33-byte name was accepted");
}
END_TEST

START_TEST(name_rejects_other_bytes)
{
	const char *bad[] = { "al ice", "alice ", " alice", "a@b", "a.b", "a/b",
			      "caf\xc3\xa9", "tab\t", "x\r", "\xff" };

	ck_assert_msg(proto_name_valid("alice", 5), "\"alice\" is a valid name, "
		      "but was rejected");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!proto_name_valid(bad[i], strlen(bad[i])),
			      "\"%s\" is not a valid name, but was accepted", bad[i]);
	ck_assert_msg(!proto_name_valid("ab\0cd", 5),
		      "a name with a NUL byte inside was accepted");
}
END_TEST

START_TEST(name_uses_only_len_bytes)
{
	ck_assert_msg(proto_name_valid("bob!!!", 3),
		      "the first 3 bytes of \"bob!!!\" form a valid name");
}
END_TEST

/* ---- commands ----------------------------------------------------------- */

START_TEST(parse_empty_line)
{
	struct proto_command cmd = parse("");

	ck_assert_kind("", cmd, PROTO_EMPTY);
}
END_TEST

START_TEST(parse_list_with_and_without_arguments)
{
	ck_assert_kind("/list", parse("/list"), PROTO_LIST);
	ck_assert_kind("/list everyone please", parse("/list everyone please"),
		       PROTO_LIST);
	ck_assert_kind("/LIST", parse("/LIST"), PROTO_UNKNOWN);
	ck_assert_kind("/listx", parse("/listx"), PROTO_UNKNOWN);
}
END_TEST

START_TEST(parse_quit_with_and_without_arguments)
{
	ck_assert_kind("/quit", parse("/quit"), PROTO_QUIT);
	ck_assert_kind("/quit now", parse("/quit now"), PROTO_QUIT);
	ck_assert_kind("/quitx", parse("/quitx"), PROTO_UNKNOWN);
}
END_TEST

START_TEST(parse_msg_name_and_text)
{
	struct proto_command cmd = parse("/msg bob hi there");

	ck_assert_kind("/msg bob hi there", cmd, PROTO_MSG);
	ck_assert_bytes("the name", cmd.name, cmd.name_len, "bob");
	ck_assert_bytes("the text", cmd.text, cmd.text_len, "hi there");
}
END_TEST

START_TEST(parse_msg_keeps_every_space_of_the_text)
{
	struct proto_command cmd = parse("/msg bob  a  b ");

	ck_assert_kind("/msg bob  a  b ", cmd, PROTO_MSG);
	ck_assert_bytes("the name", cmd.name, cmd.name_len, "bob");
	ck_assert_bytes("the text (spaces kept, strtok would lose them)",
			cmd.text, cmd.text_len, " a  b ");
}
END_TEST

START_TEST(parse_msg_text_may_hold_any_byte)
{
	static const char line[] = "/msg bob a\0b\xff\t\rc";
	struct proto_command cmd = parse_n(line, sizeof(line) - 1);

	ck_assert_kind("/msg bob a<NUL>b<0xff><TAB><CR>c", cmd, PROTO_MSG);
	ck_assert_msg(cmd.text_len == 7 && memcmp(cmd.text, "a\0b\xff\t\rc", 7) == 0,
		      "the text must be the 7 bytes after \"bob \", NUL included; "
		      "got %zu bytes", cmd.text_len);
}
END_TEST

START_TEST(parse_msg_usage_errors)
{
	const char *usage[] = { "/msg", "/msg ", "/msg bob", "/msg bob ",
				"/msg  bob hi" };

	for (size_t i = 0; i < sizeof(usage) / sizeof(usage[0]); i++)
		ck_assert_kind(usage[i], parse(usage[i]), PROTO_MSG_USAGE);
}
END_TEST

START_TEST(parse_msg_to_an_invalid_name_is_still_a_msg)
{
	struct proto_command cmd = parse("/msg b@d hi");

	ck_assert_kind("/msg b@d hi", cmd, PROTO_MSG);
	ck_assert_bytes("the name", cmd.name, cmd.name_len, "b@d");
}
END_TEST

START_TEST(parse_unknown_commands_give_the_command_word)
{
	struct proto_command cmd = parse("/foo bar baz");

	ck_assert_kind("/foo bar baz", cmd, PROTO_UNKNOWN);
	ck_assert_bytes("the command word", cmd.text, cmd.text_len, "/foo");
	cmd = parse("hello world");
	ck_assert_kind("hello world", cmd, PROTO_UNKNOWN);
	ck_assert_bytes("the command word", cmd.text, cmd.text_len, "hello");
	ck_assert_kind("/msgx bob hi", parse("/msgx bob hi"), PROTO_UNKNOWN);
	ck_assert_kind(" /list", parse(" /list"), PROTO_UNKNOWN);
}
END_TEST

START_TEST(parse_command_word_is_compared_by_length)
{
	ck_assert_kind("/list", parse("/list"), PROTO_LIST);
	ck_assert_kind("/lis", parse("/lis"), PROTO_UNKNOWN);
	ck_assert_kind("/lis<NUL>", parse_n("/lis\0", 5), PROTO_UNKNOWN);
	ck_assert_kind("/", parse("/"), PROTO_UNKNOWN);
}
END_TEST

/* ---- reply lines --------------------------------------------------------- */

START_TEST(format_ok)
{
	char buf[PROTO_REPLY_MAX];
	size_t n = proto_format_ok(buf, "welcome alice");

	ck_assert_bytes("proto_format_ok", buf, n, "OK welcome alice\n");
}
END_TEST

START_TEST(format_err)
{
	char buf[PROTO_REPLY_MAX];
	size_t n = proto_format_err(buf, "no-such-user", "bob", 3);

	ck_assert_bytes("proto_format_err", buf, n, "ERR no-such-user bob\n");
}
END_TEST

START_TEST(format_msg_keeps_the_text_byte_for_byte)
{
	char buf[PROTO_REPLY_MAX];
	size_t n = proto_format_msg(buf, "alice", " a\0b ", 5);

	ck_assert_msg(n == 16 && memcmp(buf, "MSG alice  a\0b \n", 16) == 0,
		      "expected \"MSG alice  a<NUL>b \\n\" (16 bytes), got %zu bytes",
		      n);
}
END_TEST

START_TEST(format_never_overflows_and_ends_the_line)
{
	char big[5000];
	char buf[PROTO_REPLY_MAX + 16];
	size_t n;

	memset(big, 'x', sizeof(big));
	memset(buf, '#', sizeof(buf));
	n = proto_format_msg(buf, "alice", big, sizeof(big));
	ck_assert_msg(n <= PROTO_REPLY_MAX, "a MSG line of %zu bytes, more than "
		      "PROTO_REPLY_MAX (%d)", n, PROTO_REPLY_MAX);
	ck_assert_msg(buf[n - 1] == '\n', "the cut MSG line does not end in '\\n'");
	ck_assert_msg(buf[PROTO_REPLY_MAX] == '#', "wrote past PROTO_REPLY_MAX");
	n = proto_format_err(buf, "unknown-command", big, sizeof(big));
	ck_assert_msg(n <= PROTO_REPLY_MAX && buf[n - 1] == '\n',
		      "an ERR line with a huge detail is not one bounded line");
}
END_TEST

START_TEST(format_list)
{
	const char *names[] = { "alice", "bob", "carol" };
	size_t len = 0;
	char *line = proto_format_list(names, 3, &len);

	ck_assert_ptr_nonnull(line);
	ck_assert_bytes("proto_format_list", line, len, "LIST alice bob carol\n");
	free(line);
	line = proto_format_list(names, 1, &len);
	ck_assert_bytes("proto_format_list of one", line, len, "LIST alice\n");
	free(line);
}
END_TEST

START_TEST(format_list_of_ten_thousand_names)
{
	enum { N = 10000 };
	static char store[N][16];
	static const char *names[N];
	size_t len = 0, spaces = 0;
	char *line;

	for (int i = 0; i < N; i++) {
		snprintf(store[i], sizeof(store[i]), "user%d", i);
		names[i] = store[i];
	}
	line = proto_format_list(names, N, &len);
	ck_assert_ptr_nonnull(line);
	for (size_t i = 0; i < len; i++)
		spaces += line[i] == ' ';
	ck_assert_msg(spaces == N && line[len - 1] == '\n' &&
			      memcmp(line, "LIST user0 user1 ", 17) == 0,
		      "expected \"LIST user0 user1 ... user9999\\n\" with %d spaces, "
		      "got %zu spaces", N, spaces);
	free(line);
}
END_TEST

static Suite *protocol_suite(void)
{
	Suite *s = suite_create("protocol");
	TCase *names = tcase_create("names");
	TCase *commands = tcase_create("commands");
	TCase *replies = tcase_create("replies");

	tcase_add_test(names, name_accepts_letters_digits_underscore_dash);
	tcase_add_test(names, name_rejects_empty_and_too_long);
	tcase_add_test(names, name_rejects_other_bytes);
	tcase_add_test(names, name_uses_only_len_bytes);
	tcase_add_test(commands, parse_empty_line);
	tcase_add_test(commands, parse_list_with_and_without_arguments);
	tcase_add_test(commands, parse_quit_with_and_without_arguments);
	tcase_add_test(commands, parse_msg_name_and_text);
	tcase_add_test(commands, parse_msg_keeps_every_space_of_the_text);
	tcase_add_test(commands, parse_msg_text_may_hold_any_byte);
	tcase_add_test(commands, parse_msg_usage_errors);
	tcase_add_test(commands, parse_msg_to_an_invalid_name_is_still_a_msg);
	tcase_add_test(commands, parse_unknown_commands_give_the_command_word);
	tcase_add_test(commands, parse_command_word_is_compared_by_length);
	tcase_add_test(replies, format_ok);
	tcase_add_test(replies, format_err);
	tcase_add_test(replies, format_msg_keeps_the_text_byte_for_byte);
	tcase_add_test(replies, format_never_overflows_and_ends_the_line);
	tcase_add_test(replies, format_list);
	tcase_add_test(replies, format_list_of_ten_thousand_names);
	suite_add_tcase(s, names);
	suite_add_tcase(s, commands);
	suite_add_tcase(s, replies);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(protocol_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
