"""Quality checks of the server: memory, races, threads, descriptors, CPU.

These run the real server binary from $CHATLAB_BUILD (and, for races, the
ThreadSanitizer build in $CHATLAB_BUILD/tsan) and look at it from outside:
valgrind's verdict, ThreadSanitizer's report, /proc/PID/task, /proc/PID/fd
and /proc/PID/stat. Each check first makes sure registration works, so that
an unfinished server fails fast with a clear message instead of timing out.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

BUILD = Path(os.environ.get("CHATLAB_BUILD", "build"))
SCALE = float(os.environ.get("CHATLAB_TIMEOUT_SCALE", "1"))
SANDBOX = os.environ.get("CHATLAB_SANDBOX")
# valgrind and ThreadSanitizer reserve huge address spaces: a grader gives
# them a sandbox without the address-space limit.
SANDBOX_NOMEM = os.environ.get("CHATLAB_SANDBOX_NOMEM", SANDBOX)


class Server:
    """A server process started on a free port, its stderr kept in a file."""

    def __init__(self, argv: list[str], ready_timeout: float, big: bool = False) -> None:
        self.log = tempfile.NamedTemporaryFile("w+", prefix="server-", suffix=".log")
        chosen = SANDBOX_NOMEM if big else SANDBOX
        prefix = __import__("json").loads(chosen) if chosen else []
        self.proc = subprocess.Popen(prefix + argv, stdout=subprocess.PIPE,
                                     stderr=self.log, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        self.port = self._read_port(ready_timeout)
        self.pid = self._server_pid()

    def _read_port(self, timeout: float) -> int:
        line = b""
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        os.set_blocking(fd, False)
        while not line.endswith(b"\n"):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                pytest.fail("the server did not print 'listening on port N' "
                            f"within {timeout:.0f} s\nits stderr:\n{self.stderr()}")
            try:
                chunk = os.read(fd, 200)
            except BlockingIOError:
                chunk = b""
            if chunk:
                line += chunk
            else:
                time.sleep(0.02)  # polling a pipe for the start-up line
        m = re.search(rb"listening on port (\d+)", line)
        if not m:
            self.stop()
            pytest.fail(f"expected 'listening on port N', got {line!r}")
        return int(m.group(1))

    def _server_pid(self) -> int:
        """The pid of the server itself: under a sandbox it is a descendant
        of the process we started, the deepest one."""
        pid = self.proc.pid
        while True:
            kids = []
            for task in os.listdir(f"/proc/{pid}/task"):
                try:
                    kids += Path(f"/proc/{pid}/task/{task}/children").read_text().split()
                except OSError:
                    pass
            if len(kids) != 1:
                return pid
            pid = int(kids[0])

    def stderr(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()[-6000:]

    def terminate(self, timeout: float) -> int | None:
        """Sends SIGTERM to the server itself (under a sandbox, a descendant
        of the process we started); returns the exit status, or None."""
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()


class Conn:
    """One client connection with a bounded line reader."""

    def __init__(self, port: int, timeout: float) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def line(self) -> bytes | None:
        """The next line without its end, or None at end of file."""
        while b"\n" not in self.buf:
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                return None
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line.rstrip(b"\r")

    def close(self) -> None:
        self.sock.close()


def register(port: int, name: str, timeout: float) -> Conn:
    c = Conn(port, timeout)
    try:
        c.send(name.encode() + b"\n")
        reply = c.line()
    except socket.timeout:
        reply = "(no reply)"
    except OSError as e:
        reply = f"(the connection failed: {e.strerror})"
    if reply is None or not reply.startswith(b"OK"):
        c.close()
        pytest.fail(f"sent {name!r} as a name, expected 'OK welcome {name}', "
                    f"got {reply!r}.\nhint: these quality checks need "
                    "registration (exercise 4) to work first")
    return c


def proc_counts(pid: int) -> tuple[int, int]:
    """(threads, open descriptors) of pid, from /proc."""
    return (len(os.listdir(f"/proc/{pid}/task")), len(os.listdir(f"/proc/{pid}/fd")))


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until(condition, timeout: float) -> bool:
    """Polls condition() until it holds or timeout passes (a bounded wait
    for a state that sends no message, such as a thread ending)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def chat_session(port: int, timeout: float, prefix: str = "q") -> None:
    """A multi-client session touching every command and error path."""
    a = register(port, f"{prefix}alice", timeout)
    b = register(port, f"{prefix}bob", timeout)
    dup = Conn(port, timeout)
    dup.send(f"{prefix}alice\n".encode())
    assert (dup.line() or b"").startswith(b"ERR name-taken"), "duplicate name accepted"
    dup.close()
    lurker = Conn(port, timeout)          # connects and never registers
    a.send(b"/list\n")
    assert (a.line() or b"").startswith(b"LIST"), "no LIST reply"
    a.send(f"/msg {prefix}bob hello  there\n".encode())
    assert (b.line() or b"").startswith(b"MSG"), "message not delivered"
    assert a.line() == b"OK sent"
    for bad in (b"/msg", b"/msg nobody x", b"/nope", b"x" * 3000, bytes(range(256)).replace(b"\n", b"")):
        a.send(bad + b"\n")
        assert (a.line() or b"").startswith(b"ERR"), f"no ERR for {bad[:20]!r}"
    b.send(b"/quit\n")
    assert b.line() == b"OK bye"
    assert b.line() is None, "connection not closed after /quit"
    a.close()                              # leaves without /quit
    lurker.close()
    b.close()


# ---- the checks ----------------------------------------------------------------

def test_no_memory_errors_or_leaks_under_valgrind():
    """valgrind memcheck: zero errors and zero bytes leaked after SIGTERM."""
    if SANDBOX is None and not shutil_which("valgrind"):
        pytest.skip("valgrind is not installed")
    # In the build folder, not /tmp: a sandbox may give the server its own /tmp.
    with tempfile.NamedTemporaryFile(prefix="valgrind-", suffix=".log",
                                     dir=BUILD) as vlog:
        os.chmod(vlog.name, 0o666)  # the sandbox may run it as another user
        argv = ["valgrind", "--tool=memcheck", "--leak-check=full",
                "--show-leak-kinds=all", "--errors-for-leak-kinds=all",
                "--error-exitcode=99", f"--log-file={vlog.name}",
                str(BUILD / "server"), "0"]
        timeout = 20 * SCALE
        srv = Server(argv, ready_timeout=30 * SCALE, big=True)
        try:
            chat_session(srv.port, timeout)
            for i in range(3):
                register(srv.port, f"stay{i}", timeout)  # still connected at SIGTERM
            status = srv.terminate(30 * SCALE)
        finally:
            srv.stop()
        log = Path(vlog.name).read_text()
    summary = "\n".join(l for l in log.splitlines()
                        if re.search(r"ERROR SUMMARY|lost:|reachable:|in use at exit", l))
    assert status is not None, "the server did not exit within 30 s of SIGTERM"
    assert status == 0 and "ERROR SUMMARY: 0 errors" in log, (
        "valgrind found memory errors or leaks in the server after a session "
        f"(register, /list, /msg, errors, /quit, disconnects, SIGTERM).\n"
        f"exit status: {status}\n{summary}\n\nvalgrind's report:\n{log[-5000:]}\n"
        "hint: every malloc needs a free on every path: a client that quits, one "
        "that disconnects, and every client still connected at SIGTERM")


def shutil_which(name: str) -> str | None:
    import shutil
    return shutil.which(name)


def test_no_data_races_under_threadsanitizer():
    """The ThreadSanitizer build reports no race while many clients talk."""
    binary = BUILD / "tsan" / "server"
    if not binary.exists():
        pytest.fail(f"{binary} was not built: the ThreadSanitizer build of the "
                    "server failed (see the build errors above)")
    timeout = 20 * SCALE
    srv = Server([str(binary), "0"], ready_timeout=20 * SCALE, big=True)
    errors: list[str] = []

    def worker(k: int) -> None:
        try:
            me = register(srv.port, f"t{k}", timeout)
            for j in range(30):
                me.send(f"/msg t{(k + 1) % 6} m{j}\n/list\n".encode())
            replies = 0
            while replies < 60:
                line = me.line()
                if line is None:
                    raise AssertionError("connection closed mid-session")
                if not line.startswith(b"MSG"):
                    replies += 1
            me.send(b"/quit\n") if k % 2 else me.close()
        except BaseException as e:  # report in the main thread
            errors.append(f"client t{k}: {e!r}")

    try:
        threads = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60 * SCALE)
        status = srv.terminate(30 * SCALE)
    finally:
        srv.stop()
    log = srv.stderr()
    assert "ThreadSanitizer" not in log, (
        "ThreadSanitizer found a data race (or a lock-order problem) while six "
        f"clients messaged each other:\n{log}\n"
        "hint: every field shared between threads must be read and written "
        "under the lock that guards it; see the locking notes in list.h")
    assert not errors, "\n".join(errors)
    assert status == 0, f"the ThreadSanitizer build exited with {status}:\n{log}"


def test_threads_and_descriptors_return_to_baseline():
    """After clients come and go, no thread or descriptor is left behind."""
    timeout = 10 * SCALE
    srv = Server([str(BUILD / "server"), "0"], ready_timeout=10 * SCALE)
    try:
        base = proc_counts(srv.pid)
        conns = [register(srv.port, f"b{i}", timeout) for i in range(20)]
        conns += [Conn(srv.port, timeout) for _ in range(5)]  # never register
        for i, c in enumerate(conns):
            if i % 2 and i < 20:
                c.send(b"/quit\n")
                assert c.line() == b"OK bye"
            c.close()
        back = wait_until(lambda: proc_counts(srv.pid) == base, 10 * SCALE)
        now = proc_counts(srv.pid)
    finally:
        srv.stop()
    assert back, (
        f"25 clients connected and left (10 with /quit, 10 by closing, 5 before "
        f"registering); the server then had {now[0]} threads and {now[1]} open "
        f"descriptors, expected {base[0]} and {base[1]} as before they came.\n"
        "hint: each client's thread must end (return from its function) and its "
        "socket must be closed, whether it quit, vanished or never registered")


def test_idle_server_uses_no_cpu_after_clients_vanish():
    """A thread that ignores read() == 0 spins at 100% CPU: measure it."""
    timeout = 10 * SCALE
    srv = Server([str(BUILD / "server"), "0"], ready_timeout=10 * SCALE)
    try:
        conns = [register(srv.port, f"v{i}", timeout) for i in range(4)]
        for c in conns:
            c.close()  # vanish without /quit
        before = cpu_seconds(srv.pid)
        time.sleep(1.0)  # an observation window, not a wait for a reply
        used = cpu_seconds(srv.pid) - before
    finally:
        srv.stop()
    assert used < 0.25, (
        f"four clients closed their connections; over the next second the idle "
        f"server used {used:.2f} s of CPU time, expected almost none.\n"
        "hint: read() returns 0 at end of file: the client is gone, so its "
        "thread must stop reading and leave instead of looping")
