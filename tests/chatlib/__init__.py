"""chatlib: drive the chat server and client binaries from tests.

    with Server() as srv:              # build/server 0, port read from stdout
        chat = Chat(srv)                # one transcript for every connection
        alice = chat.join("alice")      # connect, register, expect OK welcome
        alice.send("/list")
        alice.expect("LIST", hint="...")

Every wait is bounded (CHATLAB_TIMEOUT_SCALE stretches them for slow builds).
A failed expectation raises AssertionError with what was sent, what was
expected, what came back, the whole conversation and a hint: the message a
student sees in `make test`.

Environment: CHATLAB_BUILD (where server and client are; default build),
CHATLAB_SANDBOX (JSON list of words put before every student program, set by
the grader), CHATLAB_TIMEOUT_SCALE.
"""
from __future__ import annotations

import atexit
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

BUILD = Path(os.environ.get("CHATLAB_BUILD", "build"))
SCALE = float(os.environ.get("CHATLAB_TIMEOUT_SCALE", "1"))
TIMEOUT = 5.0 * SCALE
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "WARNING: ThreadSanitizer",
                   "runtime error:", "ERROR: LeakSanitizer")


def program(name: str, wrap: list[str] = (), big: bool = False) -> list[str]:
    """The command that runs the student's program `name` (server, client,
    tsan/server), under wrap (valgrind, say). big asks for the sandbox without
    an address-space limit, which valgrind and ThreadSanitizer need."""
    path = BUILD / name
    if not path.exists():
        raise AssertionError(f"{path} does not exist: the {name} did not build "
                             "(see the build errors above)")
    sandbox = os.environ.get("CHATLAB_SANDBOX", "[]")
    if big:
        sandbox = os.environ.get("CHATLAB_SANDBOX_NOMEM", sandbox)
    return json.loads(sandbox) + list(wrap) + [str(path.resolve())]


def shown(data: bytes, limit: int = 120) -> str:
    """A readable, bounded rendering of bytes for messages."""
    text = repr(data[:limit])[2:-1]
    return text + (f"... ({len(data)} bytes)" if len(data) > limit else "")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of pid so far, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until(condition, timeout: float = TIMEOUT, step: float = 0.02) -> bool:
    """Polls condition() until it holds or timeout passes. Only for states
    that announce themselves with no message, like a thread ending."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return bool(condition())


# Every server started, so that none outlives the tests, whatever a test did.
_started: list[subprocess.Popen] = []


@atexit.register
def _kill_leftovers() -> None:
    for proc in _started:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


class Server:
    """The server binary on a free port; stopped (and checked) on exit.

    At exit it sends SIGTERM and requires no sanitizer report and, if the
    server exits, exit status 0, unless the test already stopped it. A server
    that does not exit is killed without failing the test: the SIGTERM tests
    judge that, and the others should not all lose their points to it.
    """

    # Set once a server has not exited on SIGTERM: later ones get less time,
    # or a run of tests against such a server takes minutes.
    ignored_sigterm = False

    def __init__(self, *args: str, ready: float = 10.0, name: str = "server",
                 wrap: list[str] = (), big: bool = False) -> None:
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(program(name, wrap, big) + list(args or ["0"]),
                                     stdout=subprocess.PIPE, stderr=self.log,
                                     stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        _started.append(self.proc)
        try:
            self.port = self._port(ready * SCALE)
        except BaseException:
            self.kill()
            raise
        self.stopped = False

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, kind, value, tb) -> None:
        if self.stopped:
            return
        status = self.terminate(0.5 if Server.ignored_sigterm else 5.0)
        if status is None:
            Server.ignored_sigterm = True
        elif kind is None:
            self.check_exit(status)

    def _port(self, timeout: float) -> int:
        fd = self.proc.stdout.fileno()
        os.set_blocking(fd, False)
        data = b""
        deadline = time.monotonic() + timeout
        while b"\n" not in data:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise AssertionError(
                    "the server did not print 'listening on port N' "
                    f"(started as 'server 0'; got {shown(data)!r}); "
                    f"exit status {self.proc.returncode}\nits stderr:\n{self.stderr()}")
            try:
                data += os.read(fd, 256)
            except BlockingIOError:
                time.sleep(0.01)
        m = re.match(rb"listening on port (\d+)", data)
        if not m:
            self.kill()
            raise AssertionError(f"expected 'listening on port N', got {shown(data)!r}")
        return int(m.group(1))

    @property
    def pid(self) -> int:
        """The server's own pid (the deepest descendant under a sandbox)."""
        pid = self.proc.pid
        while True:
            kids: list[str] = []
            for task in os.listdir(f"/proc/{pid}/task"):
                try:
                    kids += Path(f"/proc/{pid}/task/{task}/children").read_text().split()
                except OSError:
                    pass
            if len(kids) != 1:
                return pid
            pid = int(kids[0])

    def counts(self) -> tuple[int, int]:
        """(threads, open descriptors) of the server, from /proc."""
        pid = self.pid
        return len(os.listdir(f"/proc/{pid}/task")), len(os.listdir(f"/proc/{pid}/fd"))

    def baseline(self, chat: "Chat") -> tuple[int, int]:
        """(threads, descriptors) once one client has come and gone, so that
        helpers a runtime starts on first use (ThreadSanitizer has one) count
        in the baseline."""
        probe = chat.join("baseline-probe")
        during = self.counts()
        probe.send("/quit")
        probe.expect("OK bye", exact=True)
        probe.close()
        wait_until(lambda: all(n < d for n, d in zip(self.counts(), during)))
        # A client's threads need not all end at the moment its socket
        # closes: settle on counts that hold still between two readings.
        last = [self.counts()]

        def settled() -> bool:
            now, before = self.counts(), last[0]
            last[0] = now
            return now == before

        wait_until(settled, step=0.1)
        return last[0]

    def stderr(self) -> str:
        self.log.seek(0)
        return self.log.read()[-4000:].decode("utf-8", "replace")

    def signal(self, sig: int) -> None:
        """Sends sig to the server itself (under a sandbox, not the sandbox)."""
        if self.proc.poll() is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def terminate(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, then the exit status (None if it did not exit in time)."""
        self.stopped = True
        self.signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout * SCALE)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self) -> None:
        self.stopped = True
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()

    def check_exit(self, status: int | None) -> None:
        err = self.stderr()
        report = next((m for m in SANITIZER_MARKS if m in err), None)
        if report:
            raise AssertionError(f"the sanitizer reported a problem ({report}):\n{err}")
        if status != 0:
            why = "did not exit within 10 s of SIGTERM" if status is None \
                else f"exited with status {status} after SIGTERM"
            raise AssertionError(
                f"the server {why}; expected it to close every connection, end "
                f"its threads, free everything and exit 0.\nits stderr:\n{err}\n"
                "hint: block SIGINT and SIGTERM or handle them, stop accepting, "
                "shut every client down, wait for their threads, then exit 0")


class Chat:
    """The connections of one test, sharing one transcript."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.lines: list[str] = []
        self.conns: list[Conn] = []  # alive until the test ends

    def note(self, who: str, arrow: str, data: bytes) -> None:
        self.lines.append(f"  {who:>8} {arrow} {shown(data, 100)}")

    def transcript(self) -> str:
        tail = self.lines[-40:]
        skipped = len(self.lines) - len(tail)
        head = [f"  ... ({skipped} earlier lines)"] if skipped else []
        return "\n".join(head + tail) or "  (nothing was sent or received)"

    def connect(self, label: str = "", family: int = socket.AF_INET) -> "Conn":
        conn = Conn(self, label or f"conn{len(self.conns) + 1}", family)
        self.conns.append(conn)
        return conn

    def join(self, name: str) -> "Conn":
        """Connects, sends name, and expects OK welcome <name>."""
        c = self.connect(name)
        c.send(name)
        c.expect(f"OK welcome {name}", exact=True,
                 hint="the first line a client sends is its name; a valid, free "
                      "name gets 'OK welcome <name>'")
        return c


class Conn:
    """One TCP connection to the server, with a bounded line reader."""

    def __init__(self, chat: Chat, label: str, family: int) -> None:
        self.chat, self.label = chat, label
        host = "::1" if family == socket.AF_INET6 else "127.0.0.1"
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.settimeout(TIMEOUT)
        self.sock.connect((host, chat.server.port))
        self.buf = b""
        self.last_sent = b""

    def send(self, line: str | bytes, end: bytes = b"\n") -> None:
        data = (line.encode() if isinstance(line, str) else line) + end
        self.send_raw(data)

    def send_raw(self, data: bytes) -> None:
        self.chat.note(self.label, ">", data)
        self.last_sent = data
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            self.chat.note(self.label, "!", b"(could not send: the server closed "
                           b"the connection)")

    def line(self, timeout: float = TIMEOUT) -> bytes | None:
        """The next line without its end; None at end of file; raises
        socket.timeout when nothing complete arrives in time."""
        self.sock.settimeout(timeout)
        while b"\n" not in self.buf:
            try:
                chunk = self.sock.recv(1 << 16)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                if self.buf:
                    self.chat.note(self.label, "<", self.buf + b" (no newline)")
                self.chat.note(self.label, "<", b"(connection closed)")
                return None
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        line = line[:-1] if line.endswith(b"\r") else line
        self.chat.note(self.label, "<", line)
        return line

    def fail(self, expected: str, got: str, hint: str) -> None:
        raise AssertionError(
            f"{self.label} sent:  {shown(self.last_sent)}\n"
            f"expected:    {expected}\n"
            f"got:         {got}\n"
            f"conversation (> sent to the server, < received from it):\n"
            f"{self.chat.transcript()}\n"
            + (f"hint: {hint}" if hint else ""))

    def expect(self, start: str | bytes, exact: bool = False, hint: str = "",
               timeout: float = TIMEOUT) -> bytes:
        """Reads the next line and checks it equals start, or begins with it
        as a whole word (start "ERR usage" matches "ERR usage /msg ...")."""
        want = start.encode() if isinstance(start, str) else start
        what = f"the line {shown(want)!r}" if exact else \
            f"a line starting with {shown(want)!r}"
        try:
            got = self.line(timeout)
        except socket.timeout:
            self.fail(what, f"nothing within {timeout:.0f} s", hint)
        if got is None:
            self.fail(what, "the connection was closed", hint)
        ok = got == want if exact else (
            got == want or got.startswith(want + b" "))
        if not ok:
            self.fail(what, repr(got)[1:], hint)
        return got

    def expect_closed(self, hint: str = "", timeout: float = TIMEOUT) -> None:
        try:
            got = self.line(timeout)
        except socket.timeout:
            self.fail("the server to close the connection",
                      f"it stayed open for {timeout:.0f} s", hint)
        if got is not None:
            self.fail("the server to close the connection", repr(got)[1:], hint)

    def names(self) -> list[str]:
        """Sends /list and returns the names of the LIST reply."""
        self.send("/list")
        line = self.expect("LIST", hint="/list answers 'LIST <name> <name> ...'")
        return line.decode("utf-8", "replace").split(" ")[1:]

    def close(self) -> None:
        self.chat.note(self.label, "x", b"(closed by the test)")
        self.sock.close()

    def reset(self) -> None:
        """Closes abruptly: an RST instead of a FIN."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             b"\x01\x00\x00\x00\x00\x00\x00\x00")
        self.close()


def fixtures():
    """The pytest fixtures `server` and `chat`, for a test folder's conftest:
    `server, chat = chatlib.fixtures()`."""
    import pytest

    @pytest.fixture
    def server():
        """The server on a free port; at the end it must exit 0 on SIGTERM."""
        with Server() as srv:
            yield srv

    @pytest.fixture
    def chat(server):
        """Open connections to the server; they share one transcript."""
        return Chat(server)

    return server, chat
