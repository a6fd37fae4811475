"""The client program: connecting, registering, showing messages, exiting.

The client's output is for people, so these tests ask only what the protocol
asks: a received message shows its sender and text on one line, errors name
what went wrong, and the exit statuses are exact.
"""
import os
import select
import socket
import subprocess
import time

from chatlib import SCALE, TIMEOUT, Chat, program, wait_until


class ClientProc:
    """The client binary with its stdin, stdout and stderr as pipes."""

    def __init__(self, *args: str) -> None:
        self.args = args
        self.proc = subprocess.Popen(program("client") + list(args),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, start_new_session=True)
        self.out = b""

    def type(self, line: str) -> None:
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def wait_output(self, *needles: bytes, timeout: float = TIMEOUT) -> bool:
        """Reads stdout until a line holds every needle, or timeout."""
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while not any(all(n in line for n in needles) for line in self.out.split(b"\n")):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return False
            chunk = os.read(fd, 4096)
            if not chunk:
                return False
            self.out += chunk
        return True

    def finish(self, timeout: float = TIMEOUT) -> tuple[int | None, bytes]:
        """Closes stdin if open, waits; returns (exit status, stderr)."""
        try:
            out, err = self.proc.communicate(timeout=timeout)  # closes stdin
            status = self.proc.returncode
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
            status = None
        self.out += out or b""
        return status, err

    def describe(self) -> str:
        return f"client {' '.join(self.args)}: stdout so far {self.out[-500:]!r}"


def registered(watcher, name: str) -> bool:
    return name in watcher.names()


def test_shows_a_message_while_idle(chat, server):
    watcher = chat.join("watcher")
    cli = ClientProc("127.0.0.1", str(server.port), "alice")
    try:
        assert wait_until(lambda: registered(watcher, "alice")), \
            f"the client never registered as alice\n{cli.describe()}"
        watcher.send("/msg alice hi there")
        watcher.expect("OK sent", exact=True)
        shown = cli.wait_output(b"watcher", b"hi there")
        assert shown, (
            "watcher sent alice 'hi there' while alice's client waited for input; "
            f"no line with 'watcher' and 'hi there' appeared within {TIMEOUT:.0f} s.\n"
            f"{cli.describe()}\nhint: one thread reads standard input while "
            "another shows what the server sends, as it arrives (flush stdout)")
    finally:
        cli.finish()


def test_typed_commands_are_sent(chat, server):
    bob = chat.join("bob")
    cli = ClientProc("127.0.0.1", str(server.port), "alice")
    try:
        assert wait_until(lambda: registered(bob, "alice")), cli.describe()
        cli.type("/msg bob typed by alice")
        bob.expect("MSG alice typed by alice", exact=True,
                   hint="the client sends each line typed on standard input")
        cli.type("/list")
        assert cli.wait_output(b"alice", b"bob"), (
            f"after typing /list, no line showed the names alice and bob\n{cli.describe()}")
    finally:
        cli.finish()


def test_end_of_input_quits_with_status_0(chat, server):
    watcher = chat.join("watcher")
    cli = ClientProc("127.0.0.1", str(server.port), "alice")
    assert wait_until(lambda: registered(watcher, "alice")), cli.describe()
    status, err = cli.finish()
    assert status == 0, (f"at end of standard input the client must send /quit "
                         f"and exit 0; it exited {status}, stderr {err[-300:]!r}")
    assert wait_until(lambda: not registered(watcher, "alice")), \
        "the client exited, but alice is still listed"


def test_typing_quit_exits_0(chat, server):
    watcher = chat.join("watcher")
    cli = ClientProc("127.0.0.1", str(server.port), "alice")
    assert wait_until(lambda: registered(watcher, "alice")), cli.describe()
    cli.type("/quit")
    try:
        status = cli.proc.wait(TIMEOUT)
    except subprocess.TimeoutExpired:
        status = None
    cli.finish()
    assert status == 0, f"after typing /quit the client must exit 0; got {status}"


def test_cannot_connect_exits_1_naming_host_and_port():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nobody listens there now
    cli = ClientProc("127.0.0.1", str(port), "alice")
    status, err = cli.finish()
    assert status == 1 and b"127.0.0.1" in err and str(port).encode() in err, (
        f"connecting to a closed port must exit 1 with a message naming the host "
        f"and port; got status {status}, stderr {err!r}")


def test_refused_name_exits_1_with_the_reason(chat, server):
    chat.join("alice")
    cli = ClientProc("127.0.0.1", str(server.port), "alice")
    status, err = cli.finish()
    assert status == 1 and b"alice" in (err + cli.out), (
        f"a refused name must exit 1 and show the server's reason; got status "
        f"{status}, stderr {err!r}")


def test_server_closing_exits_1(server):
    chat = Chat(server)
    watcher = chat.join("watcher")
    cli = ClientProc("127.0.0.1", str(server.port), "alice")
    assert wait_until(lambda: registered(watcher, "alice")), cli.describe()
    server.kill()  # the kernel closes every connection: no server code involved
    try:
        code = cli.proc.wait(TIMEOUT)
    except subprocess.TimeoutExpired:
        code = None
    cli.finish()
    assert code == 1, (f"when the server closes the connection the client must "
                       f"exit 1, even while waiting for input; got {code}")


def test_bad_usage_exits_2():
    for args in ([], ["127.0.0.1"], ["127.0.0.1", "1"], ["a", "b", "c", "d"]):
        cli = ClientProc(*args)
        status, err = cli.finish()
        assert status == 2, f"'client {' '.join(args)}' must exit 2; got {status}"


def test_connects_over_ipv6(chat, server):
    watcher = chat.join("watcher")
    cli = ClientProc("::1", str(server.port), "alice")
    try:
        assert wait_until(lambda: registered(watcher, "alice"), TIMEOUT * SCALE), (
            f"the client did not register over IPv6 (::1)\n{cli.describe()}")
    finally:
        cli.finish()
