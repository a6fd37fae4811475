"""Quality checks of the server: memory, races, threads, descriptors, CPU.

These run the real server binary from $CHATLAB_BUILD (and, for races, the
ThreadSanitizer build in $CHATLAB_BUILD/tsan) and look at it from outside:
valgrind's verdict, ThreadSanitizer's report, /proc/PID/task, /proc/PID/fd
and /proc/PID/stat. Each check registers a client first, so that an
unfinished server fails fast with a clear message instead of timing out.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest

from chatlib import BUILD, SCALE, Chat, Server, cpu_seconds, wait_until

NEEDS_REGISTRATION = ("\nhint: these quality checks need registration "
                      "(exercise 4) to work first")


def join(chat: Chat, name: str):
    """chat.join, with a hint that says what these checks need."""
    try:
        return chat.join(name)
    except AssertionError as e:
        raise AssertionError(f"{e}{NEEDS_REGISTRATION}") from None


def chat_session(chat: Chat, prefix: str = "q") -> None:
    """A multi-client session touching every command and error path."""
    a, b = join(chat, f"{prefix}alice"), join(chat, f"{prefix}bob")
    dup = chat.connect("duplicate")
    dup.send(f"{prefix}alice")
    dup.expect("ERR name-taken")
    lurker = chat.connect("lurker")  # connects and never registers
    a.names()
    a.send(f"/msg {prefix}bob hello  there")
    b.expect("MSG")
    a.expect("OK sent", exact=True)
    for bad in (b"/msg", b"/msg nobody x", b"/nope", b"x" * 3000,
                bytes(range(256)).replace(b"\n", b"")):
        a.send(bad)
        a.expect("ERR")
    b.send("/quit")
    b.expect("OK bye", exact=True)
    b.expect_closed()
    a.close()  # leaves without /quit
    lurker.close()
    dup.close()


def test_no_memory_errors_or_leaks_under_valgrind():
    """valgrind memcheck: zero errors and zero bytes leaked after SIGTERM."""
    if shutil.which("valgrind") is None:
        pytest.skip("valgrind is not installed")
    # In the build folder, not /tmp: a sandbox may give the server its own /tmp.
    with tempfile.NamedTemporaryFile(prefix="valgrind-", suffix=".log", dir=BUILD) as vlog:
        os.chmod(vlog.name, 0o666)  # the sandbox may run it as another user
        wrap = ["valgrind", "--tool=memcheck", "--leak-check=full",
                "--show-leak-kinds=all", "--errors-for-leak-kinds=all",
                "--error-exitcode=99", f"--log-file={vlog.name}"]
        with Server(wrap=wrap, big=True, ready=30) as srv:
            chat = Chat(srv)
            chat_session(chat)
            for i in range(3):
                join(chat, f"stay{i}")  # still connected at SIGTERM
            status = srv.terminate(30)
        log = Path(vlog.name).read_text()
    summary = "\n".join(line for line in log.splitlines()
                        if re.search(r"ERROR SUMMARY|lost:|reachable:|in use at exit", line))
    assert status is not None, "the server did not exit within 30 s of SIGTERM"
    assert status == 0 and "ERROR SUMMARY: 0 errors" in log, (
        "valgrind found memory errors or leaks in the server after a session "
        f"(register, /list, /msg, errors, /quit, disconnects, SIGTERM).\n"
        f"exit status: {status}\n{summary}\n\nvalgrind's report:\n{log[-5000:]}\n"
        "hint: every malloc needs a free on every path: a client that quits, one "
        "that disconnects, and every client still connected at SIGTERM")


def test_no_data_races_under_threadsanitizer():
    """The ThreadSanitizer build reports no race while many clients talk."""
    if not (BUILD / "tsan" / "server").exists():
        pytest.fail(f"{BUILD / 'tsan/server'} was not built: the ThreadSanitizer "
                    "build of the server failed (see the build errors above)")
    errors: list[str] = []
    with Server(name="tsan/server", big=True, ready=20) as srv:
        chat = Chat(srv)
        talking = threading.Event()

        def worker(k: int) -> None:
            # Two senders per receiver, and messages to clients that come and
            # go: lookups race with each other and with the list changing.
            try:
                me = join(chat, f"t{k}")
                talking.set()
                for j in range(100):  # one at a time: the threads overlap more
                    for cmd in (b"/msg t%d m%d" % ((k + 1 + j % 2) % 6, j), b"/list",
                                b"/msg c%d x" % (j % 3)):
                        me.send(cmd)
                        line = b"MSG"
                        while line.startswith(b"MSG"):
                            line = me.line(timeout=20 * SCALE)
                            if line is None:
                                raise AssertionError("connection closed mid-session")
                me.send("/quit") if k % 2 else me.close()
            except BaseException as e:  # report it in the main thread
                errors.append(f"client t{k}: {e}")

        def churn() -> None:
            try:
                talking.wait(20 * SCALE)
                for j in range(60):
                    c = join(chat, f"c{j % 3}")
                    if j % 2:  # half leave with /quit, half just hang up
                        c.send("/quit")
                    c.close()
                    wait_until(lambda: f"c{j % 3}" not in probe.names(), 10 * SCALE)
            except BaseException as e:
                errors.append(f"client c: {e}")

        probe = join(chat, "probe")
        threads = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
        threads.append(threading.Thread(target=churn))
        for t in threads:
            t.start()
        for t in threads:
            t.join(60 * SCALE)
        status = srv.terminate(30)
        log = srv.stderr()
    assert "ThreadSanitizer" not in log, (
        "ThreadSanitizer found a data race (or a lock-order problem) while six "
        f"clients messaged each other and others came and went:\n{log}\n"
        "hint: every field shared between threads must be read and written "
        "under the lock that guards it; see the locking notes in list.h")
    assert not errors, "\n".join(errors)
    assert status == 0, f"the ThreadSanitizer build exited with {status}:\n{log}"


def test_threads_and_descriptors_return_to_baseline():
    """After clients come and go, no thread or descriptor is left behind."""
    with Server() as srv:
        chat = Chat(srv)
        base = srv.baseline(chat)
        conns = [join(chat, f"b{i}") for i in range(20)]
        conns += [chat.connect(f"pending{i}") for i in range(5)]  # never register
        for i, c in enumerate(conns):
            if i % 2 and i < 20:
                c.send("/quit")
                c.expect("OK bye", exact=True)
            c.close()
        back = wait_until(lambda: srv.counts() == base, 10 * SCALE)
        now = srv.counts()
        if not back:
            srv.kill()  # judged on its threads and descriptors, not its exit
    assert back, (
        f"25 clients connected and left (10 with /quit, 10 by closing, 5 before "
        f"registering); the server then had {now[0]} threads and {now[1]} open "
        f"descriptors, expected {base[0]} and {base[1]} as before they came.\n"
        "hint: each client's thread must end (return from its function) and its "
        "socket must be closed, whether it quit, vanished or never registered")


def test_idle_server_uses_no_cpu_after_clients_vanish():
    """A thread that ignores read() == 0 spins at 100% CPU: measure it."""
    with Server() as srv:
        chat = Chat(srv)
        for c in [join(chat, f"v{i}") for i in range(4)]:
            c.close()  # vanish without /quit
        pid = srv.pid
        before = cpu_seconds(pid)
        time.sleep(1.0)  # an observation window, not a wait for a reply
        used = cpu_seconds(pid) - before
        srv.kill()  # a spinning server may not stop on SIGTERM; we judge CPU here
    assert used < 0.25, (
        f"four clients closed their connections; over the next second the idle "
        f"server used {used:.2f} s of CPU time, expected almost none.\n"
        "hint: read() returns 0 at end of file: the client is gone, so its "
        "thread must stop reading and leave instead of looping")
