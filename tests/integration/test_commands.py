"""Commands after registration: /list, /msg, /quit and the errors."""
import re
import socket
import threading

import pytest

HINT_LIST = "'/list' answers 'LIST' and every registered name, separated by single spaces"
HINT_MSG = ("'/msg bob some text' sends bob 'MSG <sender> some text' and answers "
            "'OK sent'; the text is everything after the space after the name, "
            "byte for byte")


def test_list_shows_everyone_including_the_sender(chat):
    a, b, c = chat.join("alice"), chat.join("bob"), chat.join("carol")
    for conn in (a, b, c):
        names = conn.names()
        assert sorted(names) == ["alice", "bob", "carol"], (
            f"{conn.label} sent /list with alice, bob and carol connected; got "
            f"{names}\n{chat.transcript()}\nhint: {HINT_LIST}")


def test_list_ignores_arguments(chat):
    a = chat.join("alice")
    a.send("/list everyone please")
    a.expect("LIST alice", exact=True, hint="arguments after /list are ignored")


def test_list_separates_names_by_single_spaces(chat):
    a = chat.join("alice")
    chat.join("bob")
    a.send("/list")
    line = a.expect("LIST", hint=HINT_LIST)
    assert line in (b"LIST alice bob", b"LIST bob alice"), (
        f"expected 'LIST alice bob' in any order with single spaces, got {line!r}")


def test_msg_is_delivered_with_the_sender_name(chat):
    a, b = chat.join("alice"), chat.join("bob")
    a.send("/msg bob hi there")
    b.expect("MSG alice hi there", exact=True, hint=HINT_MSG)
    a.expect("OK sent", exact=True, hint=HINT_MSG)


@pytest.mark.parametrize("text", [b"  two  spaces  ", b"trailing ", b"tab\there",
                                  b"nul\0byte", b"\xff\xfe binary \x01", b"/msg bob nested",
                                  b"caf\xc3\xa9 \xe2\x9c\x93", b"x" * 900],
                         ids=["spaces", "trailing-space", "tab", "nul", "binary",
                              "nested-command", "utf8", "900-bytes"])
def test_msg_text_is_passed_byte_for_byte(chat, text):
    a, b = chat.join("alice"), chat.join("bob")
    a.send(b"/msg bob " + text)
    b.expect(b"MSG alice " + text, exact=True,
             hint="pass the text through unchanged: no strtok (it collapses "
                  "spaces), no strlen (it stops at NUL), no trimming")
    a.expect("OK sent", exact=True)


def test_msg_to_oneself(chat):
    a = chat.join("alice")
    a.send("/msg alice note to self")
    got = sorted([a.line(), a.line()])
    assert got == [b"MSG alice note to self", b"OK sent"], (
        f"alice messaged herself: expected 'MSG alice note to self' and 'OK sent', "
        f"got {got}\n{chat.transcript()}\nhint: a client may message itself")


@pytest.mark.parametrize("line", ["/msg", "/msg ", "/msg bob", "/msg bob "],
                         ids=["no-args", "space-only", "no-text", "empty-text"])
def test_msg_without_name_or_text_is_a_usage_error(chat, line):
    a, b = chat.join("alice"), chat.join("bob")
    a.send(line)
    a.expect("ERR usage", hint="'/msg' with no name or no text answers "
                               "'ERR usage /msg <name> <message>' (and must not crash)")
    b.send("/list")
    b.expect("LIST", hint="nothing may be delivered after a usage error: bob's "
                          "next line must be the answer to his own /list")


def test_msg_to_unknown_user(chat):
    a = chat.join("alice")
    a.send("/msg nobody hello")
    a.expect("ERR no-such-user", hint="a /msg to a name nobody has answers "
                                      "'ERR no-such-user <name>'")


def test_msg_matches_whole_names_not_prefixes(chat):
    a, b = chat.join("alice"), chat.join("bob")
    for partial in ("b", "bo", "bobby", "BOB"):
        a.send(f"/msg {partial} hi")
        a.expect("ERR no-such-user", hint="names are compared whole and exactly: "
                                          f"'{partial}' is not 'bob'")
    b.send("/list")
    b.expect("LIST", hint="bob must receive nothing addressed to other names")


@pytest.mark.parametrize("line", ["/foo", "/foo bar", "hello", "hello world",
                                  "/LIST", "/Msg bob hi", " /list", "/lists"],
                         ids=["slash-word", "slash-word-args", "text", "two-words",
                              "uppercase", "capitalized", "leading-space", "longer-word"])
def test_unknown_commands(chat, line):
    a = chat.join("alice")
    a.send(line)
    a.expect("ERR unknown-command", hint="any line that is not /list, /msg or "
                                         "/quit answers 'ERR unknown-command ...'")


def test_empty_lines_are_ignored(chat):
    a = chat.join("alice")
    a.send_raw(b"\n\r\n\n/list\n")
    a.expect("LIST alice", exact=True, hint="empty lines get no reply at all")


def test_quit_says_bye_and_closes(chat):
    a = chat.join("alice")
    a.send("/quit")
    a.expect("OK bye", exact=True, hint="'/quit' answers 'OK bye'")
    a.expect_closed(hint="after 'OK bye' the server closes the connection")


def test_quit_removes_the_client(chat):
    a, b = chat.join("alice"), chat.join("bob")
    a.send("/quit")
    a.expect("OK bye", exact=True)
    a.expect_closed()
    assert b.names() == ["bob"], "alice quit, so /list must show only bob"
    b.send("/msg alice still there?")
    b.expect("ERR no-such-user", hint="a client that quit can no longer be messaged")


def test_every_command_gets_one_reply_in_order(chat):
    a, b = chat.join("alice"), chat.join("bob")
    a.send_raw(b"/list\n/msg bob one\n/nope\n/msg\n/msg zed x\n/msg bob two\n/list\n")
    for want in ("LIST", "OK sent", "ERR unknown-command", "ERR usage",
                 "ERR no-such-user", "OK sent", "LIST"):
        a.expect(want, hint="every command gets exactly one reply, in the order "
                            "of the commands")
    b.expect("MSG alice one", exact=True)
    b.expect("MSG alice two", exact=True)


def test_msg_lines_from_many_senders_never_interleave(chat):
    sink = chat.join("sink")
    senders = [chat.join(f"s{i}") for i in range(8)]
    rounds, pad = 100, "x" * 80
    barrier = threading.Barrier(len(senders))

    def flood(i: int) -> None:
        barrier.wait(timeout=10)
        senders[i].send_raw("".join(f"/msg sink {i}-{j} {pad}\n"
                                    for j in range(rounds)).encode())

    threads = [threading.Thread(target=flood, args=(i,)) for i in range(len(senders))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    pattern = re.compile(rb"MSG s(\d) (\d)-(\d+) " + pad.encode())
    nxt = [0] * len(senders)  # the round each sender's next message must carry
    for n in range(len(senders) * rounds):
        try:
            line = sink.line()
        except socket.timeout:
            line = b"(nothing for a while)"
        m = pattern.fullmatch(line or b"")
        good = m and m[1] == m[2] and int(m[3]) == nxt[int(m[1])]
        assert good, (
            f"8 clients each sent sink 100 messages at the same moment "
            f"('/msg sink <i>-<round> xxx...'); after {n} good lines sink got:\n"
            f"  {line!r}\n"
            f"expected 'MSG s<i> <i>-<round> xxx...' with each sender's rounds in "
            f"order\nhint: write each line to a client whole, under that client's "
            f"send lock: two threads writing pieces of lines to one socket "
            f"interleave them")
        nxt[int(m[1])] += 1
