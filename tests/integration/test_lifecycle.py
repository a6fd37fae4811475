"""Connections coming and going, slow readers, shutdown, the command line."""
import socket
import subprocess
import threading
import time

import pytest

from chatlib import SCALE, Chat, Server, program, wait_until

HINT_GONE = ("a client that closes its connection without /quit is removed "
             "exactly as with /quit: read() returning 0 means it is gone")


def test_abrupt_disconnect_removes_the_client(chat):
    a, b = chat.join("alice"), chat.join("bob")
    a.close()
    assert wait_until(lambda: b.names() == ["bob"]), \
        f"alice closed her connection; /list still shows her after 5 s\n{chat.transcript()}\nhint: {HINT_GONE}"


def test_reset_connection_removes_the_client(chat):
    a, b = chat.join("alice"), chat.join("bob")
    a.reset()
    assert wait_until(lambda: b.names() == ["bob"]), \
        f"alice's connection was reset; /list still shows her after 5 s\nhint: {HINT_GONE}"


def test_threads_and_descriptors_return_to_baseline(chat, server):
    base = server.baseline(chat)
    conns = [chat.join(f"user{i}") for i in range(30)]
    conns += [chat.connect(f"lurker{i}") for i in range(5)]
    conns[0].send("/msg user1 hello")
    conns[0].expect("OK sent", exact=True)
    for i, c in enumerate(conns):
        if i % 3 == 0 and i < 30:
            c.send("/quit")
            c.expect("OK bye", exact=True)
            c.close()
        elif i % 3 == 1:
            c.reset()
        else:
            c.close()
    back = wait_until(lambda: server.counts() == base, 10 * SCALE)
    assert back, (
        f"before: {base[0]} threads and {base[1]} descriptors; 35 clients came "
        f"and left (quit, closed, reset, or never registered); 10 s later: "
        f"{server.counts()[0]} threads and {server.counts()[1]} descriptors.\n"
        "hint: every client's thread must end and its socket be closed, however "
        "the client leaves")


def test_a_client_that_stops_reading_does_not_stall_the_others(chat):
    sleeper = chat.join("sleeper")      # never reads again
    flooder = chat.join("flooder")
    c, d = chat.join("carol"), chat.join("dave")
    stop = threading.Event()
    flood_replies = []

    def drain():                        # the flooder reads its own replies
        while not stop.is_set():
            try:
                line = flooder.line(timeout=1)
            except socket.timeout:
                continue
            if line is None:
                return
            flood_replies.append(line)

    def flood():
        text = b"/msg sleeper " + b"z" * 900 + b"\n"
        try:
            while not stop.is_set():
                flooder.sock.sendall(text * 50)
        except OSError:
            pass

    threads = [threading.Thread(target=drain), threading.Thread(target=flood)]
    for t in threads:
        t.start()
    try:
        start = time.monotonic()
        for i in range(100):
            c.send(f"/msg dave ping {i}")
            d.expect(f"MSG carol ping {i}", exact=True, timeout=5 * SCALE,
                     hint="a client that stops reading must not stall anyone "
                          "else: never block on a write while holding a lock "
                          "others need")
            c.expect("OK sent", exact=True, timeout=5 * SCALE)
        took = time.monotonic() - start
        disconnected = wait_until(
            lambda: any(r.startswith(b"ERR no-such-user") for r in flood_replies),
            30 * SCALE)
    finally:
        stop.set()
        for t in threads:
            t.join(10)
    assert disconnected, (
        f"flooder sent sleeper {len(flood_replies)} messages that sleeper never "
        "read, and the server kept sleeper connected: it must bound what it "
        "buffers for one client and disconnect it past that bound")
    assert took < 60 * SCALE


def test_sigterm_closes_every_connection_and_exits_0(server):
    chat = Chat(server)
    conns = [chat.join(f"u{i}") for i in range(5)] + [chat.connect("lurker")]
    status = server.terminate()
    for c in conns:
        c.expect_closed(hint="on SIGTERM the server closes every connection")
    server.check_exit(status)


def test_sigint_exits_0():
    with Server() as srv:
        chat = Chat(srv)
        chat.join("alice")
        srv.signal(2)
        try:
            status = srv.proc.wait(10 * SCALE)
        except subprocess.TimeoutExpired:
            status = None
            srv.kill()  # never leave a server behind
        srv.stopped = True
        srv.check_exit(status)


def test_port_0_prints_the_chosen_port(server):
    assert 0 < server.port < 65536


@pytest.mark.parametrize("args", [[], ["abc"], ["70000"], ["-1"], ["1", "2"], [""]],
                         ids=["no-port", "letters", "too-big", "negative", "extra-arg", "empty"])
def test_bad_usage_exits_2(args):
    proc = subprocess.run(program("server") + args, capture_output=True,
                          timeout=10 * SCALE, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2 and proc.stderr, (
        f"'server {' '.join(args)}' should print usage on stderr and exit 2; it "
        f"exited {proc.returncode} with stderr {proc.stderr[:200]!r}")


def test_ipv6_loopback(chat):
    try:
        b = chat.connect("bob6", family=socket.AF_INET6)
    except OSError:
        pytest.skip("this machine has no IPv6 loopback")
    a = chat.join("alice")
    b.send("bob6")
    b.expect("OK welcome bob6", exact=True,
             hint="listen dual-stack: IPv6 clients must be able to connect")
    a.send("/msg bob6 over v6")
    b.expect("MSG alice over v6", exact=True)
