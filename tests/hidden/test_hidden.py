"""Hidden tests: run by the grader only, never shipped to students.

Students see their names in the feedback, not their details, until grades
are out. They check the same contract as the public tests, in combinations
the public tests do not show.
"""
from chatlib import wait_until


def test_fifty_clients_each_message_the_next(chat):
    conns = [chat.join(f"ring{i}") for i in range(50)]
    for i, c in enumerate(conns):
        c.send(f"/msg ring{(i + 1) % 50} from {i}")
    for i, c in enumerate(conns):
        got = sorted([c.line(), c.line()])
        want = sorted([b"OK sent", b"MSG ring%d from %d" % ((i - 1) % 50, (i - 1) % 50)])
        assert got == want, f"ring{i}: expected {want}, got {got}\n{chat.transcript()}"


def test_list_is_exact_after_half_leave(chat):
    watcher = chat.join("watcher")
    conns = [chat.join(f"half{i}") for i in range(30)]
    for c in conns[::2]:
        c.send("/quit")
        c.expect("OK bye", exact=True)
    want = sorted(["watcher"] + [f"half{i}" for i in range(1, 30, 2)])
    assert wait_until(lambda: sorted(watcher.names()) == want), \
        f"15 of 30 clients quit; /list must show exactly the other 15 and watcher"


def test_longest_name_and_longest_line(chat):
    name = "N" * 32
    receiver = chat.join(name)
    sender = chat.join("s")
    text = b"x" * (1000 - len(b"/msg ") - 32 - 1)
    sender.send(b"/msg " + name.encode() + b" " + text)
    receiver.expect(b"MSG s " + text, exact=True)
    sender.expect("OK sent", exact=True)
