"""Lines on a byte stream: CR LF, split and pipelined input, long lines, junk."""
import random

HINT_STREAM = ("TCP is a byte stream: one read() may return part of a line or "
               "several lines; keep reading into a buffer until a '\\n'")
HINT_LONG = ("a line over 1000 bytes answers 'ERR too-long ...'; the rest of that "
             "line, up to its '\\n', is skipped and the connection stays open")


def test_crlf_commands(chat):
    a, b = chat.join("alice"), chat.join("bob")
    a.send(b"/msg bob hi", end=b"\r\n")
    b.expect("MSG alice hi", exact=True,
             hint="drop the CR of a CR LF line end (telnet and nc -C send them)")
    a.expect("OK sent", exact=True)


def test_a_cr_inside_the_text_is_kept(chat):
    a, b = chat.join("alice"), chat.join("bob")
    a.send(b"/msg bob a\rb")
    line = b.line()
    assert line == b"MSG alice a\rb", (
        f"only the CR right before the LF is dropped; got {line!r}")


def test_input_split_into_single_bytes(chat):
    a, b = chat.join("alice"), chat.join("bob")
    for byte in b"/msg bob one byte at a time\n/list\n":
        a.send_raw(bytes([byte]))
    b.expect("MSG alice one byte at a time", exact=True, hint=HINT_STREAM)
    a.expect("OK sent", exact=True, hint=HINT_STREAM)
    a.expect("LIST", hint=HINT_STREAM)


def test_registration_split_across_writes(chat):
    c = chat.connect("alice")
    c.send_raw(b"al")
    c.send_raw(b"ic")
    c.send_raw(b"e\n")
    c.expect("OK welcome alice", exact=True, hint=HINT_STREAM)


def test_name_and_commands_pipelined_in_one_write(chat):
    b = chat.join("bob")
    a = chat.connect("alice")
    a.send_raw(b"alice\n/msg bob one\n/msg bob two\n/list\n")
    a.expect("OK welcome alice", exact=True, hint=HINT_STREAM)
    a.expect("OK sent", exact=True, hint=HINT_STREAM)
    a.expect("OK sent", exact=True, hint=HINT_STREAM)
    a.expect("LIST", hint=HINT_STREAM)
    b.expect("MSG alice one", exact=True)
    b.expect("MSG alice two", exact=True)


def test_a_thousand_messages_arrive_in_order(chat):
    a, b = chat.join("alice"), chat.join("bob")
    a.send_raw(b"".join(b"/msg bob m%d\n" % i for i in range(1000)))
    for i in range(1000):
        line = b.line()
        assert line == b"MSG alice m%d" % i, (
            f"message {i} of 1000 from alice to bob: expected 'MSG alice m{i}', "
            f"got {line!r}\nhint: messages from one sender to one receiver arrive "
            "in the order they were sent")
    for _ in range(1000):
        a.expect("OK sent", exact=True)


def test_line_of_exactly_1000_bytes_is_accepted(chat):
    a, b = chat.join("alice"), chat.join("bob")
    text = b"t" * (1000 - len(b"/msg bob "))
    a.send(b"/msg bob " + text, end=b"\r\n")
    b.expect(b"MSG alice " + text, exact=True,
             hint="a line may hold 1000 bytes, not counting its line end")
    a.expect("OK sent", exact=True)


def test_line_of_1001_bytes_is_too_long(chat):
    a, b = chat.join("alice"), chat.join("bob")
    a.send(b"/msg bob " + b"t" * (1001 - len(b"/msg bob ")))
    a.expect("ERR too-long", hint=HINT_LONG)
    a.send("/list")
    a.expect("LIST", hint=HINT_LONG)
    b.send("/list")
    b.expect("LIST", hint="a line that was too long is not carried out")


def test_huge_line_gets_one_too_long_and_the_connection_survives(chat):
    a = chat.join("alice")
    a.send_raw(b"z" * 100_000 + b"\n/list\n")
    a.expect("ERR too-long", hint=HINT_LONG)
    a.expect("LIST alice", exact=True,
             hint="one too-long line gets one 'ERR too-long'; skip its bytes up to "
                  "the '\\n' and carry on with the next line")


def test_random_binary_junk_does_not_hurt_the_server(chat):
    a = chat.join("alice")
    rng = random.Random(1234)
    junk = bytes(rng.randrange(256) for _ in range(20_000)).replace(b"\n", b"")
    lines = [junk[i:i + rng.randrange(1, 1500)] for i in range(0, len(junk), 700)]
    a.send_raw(b"\n".join(lines) + b"\n")
    b = chat.join("bob")
    assert sorted(b.names()) == ["alice", "bob"], \
        "after alice sent 20 KB of binary junk, the server must still work"
