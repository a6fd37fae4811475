"""Registration: the first line is the name (protocol: Registration)."""
import threading

import pytest

from chatlib import Chat, Server

HINT_BAD = ("a valid name is 1 to 32 letters, digits, '_' or '-'; anything else "
            "gets 'ERR bad-name ...' and the server closes the connection")


def test_valid_name_is_welcomed(chat):
    chat.join("alice")


@pytest.mark.parametrize("name", ["a", "Z9", "under_score", "da-sh",
                                  "x" * 32, "ABCdef012_-"],
                         ids=["one-letter", "digit", "underscore", "dash", "32-chars", "mixed"])
def test_every_valid_name_form_is_welcomed(chat, name):
    chat.join(name)


@pytest.mark.parametrize("name", [b"", b"x" * 33, b"two words", b"a@b", b"caf\xc3\xa9",
                                  b"tab\there", b" lead", b"trail ", b"a.b", b"nul\0"],
                         ids=["empty", "33-chars", "space", "at-sign", "non-ascii", "tab",
                              "leading-space", "trailing-space", "dot", "nul"])
def test_bad_name_is_refused_and_closed(chat, name):
    c = chat.connect("newcomer")
    c.send(name)
    c.expect("ERR bad-name", hint=HINT_BAD)
    c.expect_closed(hint="after 'ERR bad-name' the server closes the connection")


def test_name_line_longer_than_the_line_limit_is_refused(chat):
    c = chat.connect("newcomer")
    c.send(b"n" * 5000)
    line = c.line()
    if line is None or not (line.startswith(b"ERR bad-name") or line.startswith(b"ERR too-long")):
        c.fail("'ERR bad-name' (or 'ERR too-long')", repr(line), HINT_BAD)
    if line.startswith(b"ERR bad-name"):
        c.expect_closed(hint="after 'ERR bad-name' the server closes the connection")
    else:  # still unregistered: the next line is taken as a name
        c.send("ok_name")
        c.expect("OK welcome ok_name", exact=True)


def test_name_with_crlf_is_accepted(chat):
    c = chat.connect("alice")
    c.send(b"alice", end=b"\r\n")
    c.expect("OK welcome alice", exact=True,
             hint="a receiver accepts CR LF line ends and drops the CR")


def test_duplicate_name_is_refused_and_first_keeps_working(chat):
    first = chat.join("alice")
    second = chat.connect("second")
    second.send("alice")
    second.expect("ERR name-taken", hint="a name already connected gets 'ERR name-taken ...'")
    second.expect_closed(hint="after 'ERR name-taken' the server closes the connection")
    assert first.names() == ["alice"], "the first alice must still be the only one listed"


def test_name_is_free_again_after_quit(chat):
    a = chat.join("alice")
    a.send("/quit")
    a.expect("OK bye", exact=True)
    a.expect_closed()
    chat.join("alice")


def test_name_is_free_again_after_disconnect(chat, server):
    a = chat.join("alice")
    a.close()
    watcher = chat.join("watcher")
    # The server notices the disconnect on its own schedule: ask until it has.
    from chatlib import wait_until
    assert wait_until(lambda: "alice" not in watcher.names()), \
        "alice closed her connection, but /list still shows her after 5 s"
    chat.join("alice")


def test_many_clients_racing_for_one_name_exactly_one_wins(server):
    chat = Chat(server)
    conns = [chat.connect(f"racer{i}") for i in range(30)]
    replies = [None] * len(conns)
    barrier = threading.Barrier(len(conns))

    def race(i):
        barrier.wait(timeout=10)
        conns[i].send_raw(b"alice\n")
        replies[i] = conns[i].line()

    threads = [threading.Thread(target=race, args=(i,)) for i in range(len(conns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    winners = [r for r in replies if r == b"OK welcome alice"]
    losers = [r for r in replies if r and r.startswith(b"ERR name-taken")]
    assert len(winners) == 1 and len(losers) == len(conns) - 1, (
        f"30 clients asked for 'alice' at the same moment: {len(winners)} got "
        f"'OK welcome alice' and {len(losers)} 'ERR name-taken'; expected exactly "
        f"one winner.\nreplies: {replies}\nhint: check that the name is free and "
        "take it in one step, under one lock")


def test_full_server_refuses_with_server_full():
    with Server("-m", "2", "0") as srv:
        chat = Chat(srv)
        one, two = chat.join("one"), chat.join("two")
        c = chat.connect("three")
        c.send("three")
        c.expect("ERR server-full")
        c.expect_closed()
        assert sorted(one.names()) == ["one", "two"]


def test_connection_closed_before_registering_leaves_no_trace(chat, server):
    quiet = chat.connect("quiet")
    half = chat.connect("half")
    half.send_raw(b"ali")
    quiet.close()
    half.close()
    a = chat.join("alice")
    assert a.names() == ["alice"], "clients that never registered must not be listed"
    chat.join("ali")


def test_welcome_comes_before_any_message(chat):
    sender = chat.join("sender")
    for i in range(20):
        name = f"new{i}"
        # Messages to the name are in flight while it registers.
        sender.send_raw(b"/msg %s early\n" % name.encode() * 200)
        c = chat.connect(name)
        c.send(name)
        c.expect(f"OK welcome {name}", exact=True,
                 hint="the welcome must be the first line a client receives, "
                      "even when others message it the moment its name is taken")


def test_clients_connecting_at_once_are_each_answered_on_their_own(chat):
    conns = [chat.connect(f"c{i}") for i in range(20)]  # all before any name
    for i, conn in enumerate(conns):
        conn.send(f"c{i}")
    for i, conn in enumerate(conns):
        conn.expect(f"OK welcome c{i}", exact=True,
                    hint="20 clients connected one right after another; each "
                         "connection needs its own thread reading its own socket: "
                         "give the new thread its descriptor (or its client), not "
                         "the address of a variable the accept loop reuses")
