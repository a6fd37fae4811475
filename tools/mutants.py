#!/usr/bin/env python3
"""The mutant corpus: realistic student bugs, and whether the tests catch them.

    mutants.py write           regenerate tests/mutants/*.patch from MUTANTS
    mutants.py run [NAME...]   grade every mutant (or those named) with the
                               grader; each must lose points in its named
                               exercise and none may score full marks; prints
                               the mutation score and the survivors
    mutants.py variants        grade tests/variants/*.patch, correct solutions
                               written differently: each must score full marks
    mutants.py flaky [NAME...] grade the solution and two mutants --runs times
                               each; report every test whose outcome changed

Each patch starts with two comment lines, "mistake:" (the student mistake it
models) and "exercise:" (the exercise that must lose points), then a unified
diff against solution/, applied with `patch -p1`.
"""
from __future__ import annotations

import argparse
import difflib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
DIR = KIT / "tests/mutants"
VARIANTS = KIT / "tests/variants"
# Repeated by `flaky`: a mutant caught by a test that measures time (a slow
# reader) and one caught only when ThreadSanitizer sees threads overlap.
FLAKY_MUTANTS = ["blocking-write", "lookup-without-lock"]
sys.path.insert(0, str(KIT / "grader"))

# name: (mistake, exercise, file, old text, new text); a mutant that edits a
# file in several places gives tuples of old and new texts.
MUTANTS = {
    "list-add-without-lock": (
        "list_add links the new client without taking the list lock", 1, "list.c",
        "\tpthread_mutex_lock(&l->lock);\n\tc->next = l->head;",
        "\tc->next = l->head;"),
    "check-then-insert-race": (
        "registration checks the name under the lock, then takes it under a second locking", 1,
        "list.c",
        "\tif (lookup(l, name, len) != NULL) {",
        "\tbool taken = lookup(l, name, len) != NULL;\n\n\tpthread_mutex_unlock(&l->lock);\n"
        "\tusleep(100); /* widens the window a real race has */\n\tpthread_mutex_lock(&l->lock);\n\tif (taken) {"),
    "duplicate-names-allowed": (
        "registration never checks whether the name is taken", 1, "list.c",
        "\tif (lookup(l, name, len) != NULL) {", "\tif (0) {"),
    "node-not-freed": (
        "the last list_put closes the socket but never frees the client", 1, "list.c",
        "\tpthread_mutex_destroy(&c->send_lock);\n\tfree(c);",
        "\tpthread_mutex_destroy(&c->send_lock);"),
    "socket-never-closed": (
        "/quit unlinks the client but its socket is never closed", 5, "list.c",
        "\tclose(c->fd);\n", ""),
    "names-matched-by-prefix": (
        "lookup scans the list with strncmp over the typed length: /msg b reaches bob", 5,
        "list.c",
        "\tstruct client *c = *bucket(l, name, len);\n\n"
        "\twhile (c != NULL && !(strlen(c->name) == len &&\n"
        "\t\t\t      memcmp(c->name, name, len) == 0))\n\t\tc = c->hnext;",
        "\tstruct client *c = l->head;\n\n"
        "\twhile (c != NULL && !(c->registered && strncmp(c->name, name, len) == 0))\n"
        "\t\tc = c->next;"),
    "name-length-off-by-one": (
        "a 32-character name is refused (>= instead of >)", 2, "protocol.c",
        "\tif (len < 1 || len > PROTO_NAME_MAX)", "\tif (len < 1 || len >= PROTO_NAME_MAX)"),
    "strtok-collapses-spaces": (
        "message text split with strtok-like logic: leading spaces of the text are lost", 2,
        "protocol.c",
        "\tcmd->text = space + 1;\n\tcmd->text_len = len - cmd->name_len - 1;",
        "\tcmd->text = space + 1;\n\tcmd->text_len = len - cmd->name_len - 1;\n"
        "\twhile (cmd->text_len > 0 && *cmd->text == ' ')\n"
        "\t\tcmd->text++, cmd->text_len--;"),
    "cr-not-stripped": (
        "the CR of a CR LF line end is kept", 3, "lineio.c",
        "\tif (n > 0 && first[n - 1] == '\\r')\n\t\tn--;\n", ""),
    "one-read-one-line": (
        "assumes one read() is one line: what follows the first line is thrown away", 3,
        "lineio.c",
        "\tr->start += n + 1;\n\tr->scanned = 0;",
        "\tr->start = r->end; /* BUG */\n\tr->scanned = 0;"),
    "no-too-long-handling": (
        "lines over the limit are passed on as if they were fine", 3, "lineio.c",
        "\tif (r->max > 0 && n > r->max)\n\t\treturn LINEIO_TOO_LONG;\n", ""),
    "sigpipe-not-ignored": (
        "writes without MSG_NOSIGNAL: a departed client kills the server with SIGPIPE", 3,
        "lineio.c",
        "send(fd, p, len, flags | MSG_NOSIGNAL);", "send(fd, p, len, flags);"),
    "blocking-write": (
        "writes block on a client that stops reading (no MSG_DONTWAIT, no bound)", 7, "server.c",
        "lineio_write_all(c->fd, buf, len, MSG_DONTWAIT) == 0",
        "lineio_write_all(c->fd, buf, len, 0) == 0"),
    "list-missing-sender": (
        "/list leaves out the client who asked", 4, "server.c",
        "\tchar *line = names ? proto_format_list((const char *const *)names,\n"
        "\t\t\t\t\t       count, &len) : NULL;",
        "\tchar *line;\n\n\tfor (size_t i = 0; names && i < count; i++)\n"
        "\t\tif (strcmp(names[i], c->name) == 0)\n\t\t\tnames[i] = names[--count];\n"
        "\tline = names ? proto_format_list((const char *const *)names, count, &len) : NULL;"),
    "unknown-user-ignored": (
        "a /msg to an unknown user is answered OK sent", 5, "server.c",
        "\t\treturn send_err(c, \"no-such-user\", cmd->name, cmd->name_len);",
        "\t\treturn send_ok(c, \"sent\");"),
    "reply-to-wrong-client": (
        "the MSG goes back to the sender instead of the destination", 5, "server.c",
        "\tsend_to(to, line, proto_format_msg(", "\tsend_to(c, line, proto_format_msg("),
    "msg-buffer-leaked": (
        "every /msg allocates a buffer that is never freed", 7, "server.c",
        "\tstruct client *to = list_find(clients, cmd->name, cmd->name_len);\n",
        "\tstruct client *to = list_find(clients, cmd->name, cmd->name_len);\n"
        "\tchar *copy = malloc(cmd->text_len + 1);\n\n\tif (copy)\n"
        "\t\tmemcpy(copy, cmd->text, cmd->text_len);\n"),
    "msg-without-arguments-crashes": (
        "/msg with no arguments dereferences a missing name", 5, "server.c",
        "\t\treturn send_err_str(c, \"usage\", \"/msg <name> <message>\") < 0",
        "\t\treturn send_err_str(c, \"usage\", cmd.name) < 0"),
    "read-zero-ignored": (
        "read() == 0 is ignored: the thread spins after its client hangs up", 7, "server.c",
        "\t\t\tgo_on = -1; /* end of file or a read error */",
        "\t\t\tgo_on = 1; /* BUG */"),
    "thread-never-ends-after-quit": (
        "after /quit the thread goes back to reading instead of ending", 5, "server.c",
        "\t\tsend_ok(c, \"bye\");\n\t\treturn 0;", "\t\tsend_ok(c, \"bye\");\n\t\treturn 1;"),
    "no-exit-on-sigterm": (
        "SIGTERM is blocked but never watched: the server does not exit", 5, "server.c",
        "\t\tif (fds[1].revents & POLLIN)\n\t\t\tbreak;", ""),
    "client-exits-on-first-message": (
        "the client stops after showing the first line from the server", 6, "client.c",
        "\t\tshow(line, len);\n\t}", "\t\tshow(line, len);\n\t\tbreak;\n\t}"),
    "single-threaded-client": (
        "the client reads all of standard input before it shows anything", 6, "client.c",
        "\tif (pthread_create(&input, NULL, input_thread, &fd) != 0) {",
        "\tinput_thread(&fd);\n\tif (pthread_create(&input, NULL, input_thread, &fd) != 0) {"),
    "client-ignores-end-of-input": (
        "the client never sends /quit at end of input", 6, "client.c",
        "\t\t\tsend_line(fd, \"/quit\", 5);\n", ""),
    "list-remove-forgets-name": (
        "a client that leaves stays in the name index: its name is never free again", 1,
        "list.c", "\tif (c->registered)\n\t\tunindex(l, c);", "\t(void)unindex;"),
    "lookup-without-lock": (
        "list_find walks the index and takes its reference without the lock", 7, "list.c",
        "\tpthread_mutex_lock(&l->lock);\n\tc = lookup(l, name, len);\n\tif (c != NULL)\n"
        "\t\tc->refs++;\n\tpthread_mutex_unlock(&l->lock);\n\treturn c;",
        "\tc = lookup(l, name, len);\n\tif (c != NULL)\n\t\tc->refs++;\n\treturn c;"),
    "interleaved-partial-lines": (
        "a MSG is written in pieces without the receiver's send lock: lines from two "
        "senders interleave", 5, "server.c",
        "\tsend_to(to, line, proto_format_msg(line, c->name, cmd->text,\n"
        "\t\t\t\t\t   cmd->text_len));",
        "\tsize_t n = proto_format_msg(line, c->name, cmd->text, cmd->text_len);\n"
        "\tsize_t head = n - cmd->text_len - 1;\n\n"
        "\tsend_locked(to, line, head); /* BUG: no lock, three writes */\n"
        "\tsend_locked(to, line + head, cmd->text_len);\n"
        "\tsend_locked(to, line + n - 1, 1);"),
    "shared-accept-fd": (
        "each new thread reads the accept loop's descriptor variable, not its own: two "
        "quick connections get the same socket", 4, "server.c",
        ("static bool verbose;\n",
         "\tstruct client *c = arg;\n\tstruct lineio_reader r;\n",
         "\t\tfd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);"),
        ("static bool verbose;\nstatic int accepted_fd; /* BUG: shared by every new thread */\n",
         "\tstruct client *c = arg;\n\tstruct lineio_reader r;\n\n"
         "\tusleep(1000); /* a thread starts when the scheduler says so */\n"
         "\tc->fd = accepted_fd;\n",
         "\t\tfd = accepted_fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);")),
    "name-buffer-unterminated": (
        "the name is copied into a reused buffer without its terminator: alice then bob "
        "registers bobce", 4, "server.c",
        "\tpthread_mutex_lock(&c->send_lock);\n\tstatus = list_register(clients, c, name, len);",
        "\tstatic char name_buf[PROTO_NAME_MAX + 1]; /* BUG: reused, never terminated */\n\n"
        "\tmemcpy(name_buf, name, len);\n\tpthread_mutex_lock(&c->send_lock);\n"
        "\tstatus = list_register(clients, c, name_buf, strlen(name_buf));"),
    "write-under-shared-lock": (
        "a MSG is written, blocking, under a lock every sender takes: one client that "
        "stops reading stalls everyone", 7, "server.c",
        ("static bool verbose;\n",
         "lineio_write_all(c->fd, buf, len, MSG_DONTWAIT) == 0",
         "\tsend_to(to, line, proto_format_msg(",
         "\t\t\t\t\t   cmd->text_len));\n\tlist_put(clients, to);"),
        ("static bool verbose;\n"
         "static pthread_mutex_t deliver_lock = PTHREAD_MUTEX_INITIALIZER; /* BUG */\n",
         "lineio_write_all(c->fd, buf, len, 0) == 0",
         "\tpthread_mutex_lock(&deliver_lock); /* BUG: held across a blocking write */\n"
         "\tsend_to(to, line, proto_format_msg(",
         "\t\t\t\t\t   cmd->text_len));\n\tpthread_mutex_unlock(&deliver_lock);\n"
         "\tlist_put(clients, to);")),
}


def write() -> None:
    DIR.mkdir(parents=True, exist_ok=True)
    for old_patch in DIR.glob("*.patch"):
        old_patch.unlink()
    for i, (name, (mistake, ex, fname, old, new)) in enumerate(MUTANTS.items(), 1):
        text = mutated = (KIT / "solution" / fname).read_text()
        olds, news = (old, new) if isinstance(old, tuple) else ((old,), (new,))
        for o, n in zip(olds, news, strict=True):
            if text.count(o) != 1:
                raise SystemExit(f"mutants: {name}: the text to change is not in {fname} once")
            mutated = mutated.replace(o, n)
        diff = difflib.unified_diff(text.splitlines(True), mutated.splitlines(True),
                                    f"a/solution/{fname}", f"b/solution/{fname}")
        (DIR / f"{i:02d}-{name}.patch").write_text(
            f"mistake: {mistake}\nexercise: {ex}\n" + "".join(diff))
    print(f"mutants: wrote {len(MUTANTS)} patches to {DIR}")


def header(patch: Path) -> tuple[str, int]:
    """The mistake and exercise of a mutant (a variation's first line is its
    description; its exercise is none)."""
    lines = patch.read_text().splitlines()
    if lines[0].startswith("variation: "):
        return lines[0].split(": ", 1)[1], 0
    return lines[0].split(": ", 1)[1], int(lines[1].split(": ", 1)[1])


def patched(patch: Path | None, tmp: Path) -> dict[str, str]:
    """The student files of solution/ with patch applied (None: unchanged)."""
    import samples
    if patch is None:
        return samples.solution_files()
    tree = tmp / "trees" / patch.stem
    shutil.copytree(KIT / "solution", tree / "solution")
    subprocess.run(["patch", "-s", "-p1", "-d", str(tree), "-i", str(patch)], check=True)
    return {f: (tree / "solution" / f).read_text() for f in samples.FILES}


def grade(subs: dict[str, dict[str, str]], jobs: int) -> dict[str, dict]:
    """Grades submissions (name: student files) with grader/grade; returns
    each one's row of results.json by name."""
    import samples
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "subs"
        folder.mkdir()
        for name, files in subs.items():
            samples.pack(folder, name, files)
        out = Path(tmp) / "grades"
        subprocess.run([sys.executable, str(KIT / "grader/grade"), str(folder), "-o", str(out),
                        "-j", str(jobs), "--force"], check=True, stdout=subprocess.DEVNULL)
        return {r["id"]: r for r in json.loads((out / "results.json").read_text())}


def by_exercise(result: dict) -> dict[int, float]:
    earned: dict[int, float] = {}
    for t in result["results"]:
        earned[t["exercise"]] = earned.get(t["exercise"], 0) + t["earned"]
    return earned


def full_marks() -> dict[int, float]:
    rubric = json.loads((KIT / "tests/rubric.json").read_text())
    full: dict[int, float] = {}
    for t in rubric["tests"]:
        full[t["exercise"]] = full.get(t["exercise"], 0) + t["points"]
    return full


def select(folder: Path, only: list[str]) -> list[Path]:
    patches = sorted(folder.glob("*.patch"))
    if only:
        patches = [p for p in patches if any(p.stem.endswith("-" + o) or p.stem == o
                                             for o in only)]
        if len(patches) != len(only):
            raise SystemExit(f"mutants: not every one of {only} is in {folder}")
    return patches


def run(jobs: int, only: list[str]) -> int:
    """Every mutant must lose points in its exercise and score below full."""
    patches = select(DIR, only)
    with tempfile.TemporaryDirectory() as tmp:
        results = grade({p.stem: patched(p, Path(tmp)) for p in patches}, jobs)
    full = full_marks()
    survivors = []
    for patch in patches:
        mistake, ex = header(patch)
        earned = by_exercise(results[patch.stem])
        total = sum(earned.values())
        caught = earned.get(ex, 0) < full[ex] and total < sum(full.values())
        lost = [f"ex{e}" for e in sorted(full) if earned.get(e, 0) < full[e]]
        print(f"{'caught ' if caught else 'SURVIVED'}  ex{ex}  {patch.stem}: total {total:g}, "
              f"ex{ex} {earned.get(ex, 0):g}/{full[ex]:g}; lost points in "
              f"{', '.join(lost) or 'nothing'} ({results[patch.stem]['seconds']:.0f} s)")
        if not caught:
            survivors.append(f"{patch.stem} ({mistake})")
    print(f"\nmutation score: {len(patches) - len(survivors)}/{len(patches)}")
    for s in survivors:
        print(f"survivor: {s}")
    return 1 if survivors else 0


def variants(jobs: int) -> int:
    """Every correct variation must score full marks."""
    patches = select(VARIANTS, [])
    with tempfile.TemporaryDirectory() as tmp:
        results = grade({p.stem: patched(p, Path(tmp)) for p in patches}, jobs)
    full = sum(full_marks().values())
    bad = 0
    for patch in patches:
        lost = [t for t in results[patch.stem]["results"] if t["earned"] < t["points"]]
        total = sum(by_exercise(results[patch.stem]).values())
        print(f"{'full   ' if not lost else 'NOT FULL'}  {patch.stem}: total {total:g}/{full:g}")
        for t in lost:
            print(f"    lost {t['points'] - t['earned']:g}: {t['id']} ({t['outcome']})")
        bad += bool(lost)
    print(f"\nvariations at full marks: {len(patches) - bad}/{len(patches)}")
    return 1 if bad else 0


def flaky(jobs: int, runs: int, mutants: list[str]) -> int:
    """Grades the solution and some mutants runs times each; reports every
    test whose outcome was not the same in all runs."""
    subjects = {"solution": None} | {p.stem: p for p in select(DIR, mutants)}
    with tempfile.TemporaryDirectory() as tmp:
        subs = {}
        for name, patch in subjects.items():
            files = patched(patch, Path(tmp))
            subs |= {f"{name}.run{r:02d}": files for r in range(1, runs + 1)}
        results = grade(subs, jobs)
    changed = 0
    for name in subjects:
        outcomes: dict[str, list[str]] = {}
        for r in range(1, runs + 1):
            for t in results[f"{name}.run{r:02d}"]["results"]:
                outcomes.setdefault(t["id"], []).append(t["outcome"])
        totals = sorted({sum(by_exercise(results[f"{name}.run{r:02d}"]).values())
                         for r in range(1, runs + 1)})
        flakes = {tid: o for tid, o in outcomes.items() if len(set(o)) > 1}
        print(f"{name}: {runs} gradings, totals {', '.join(f'{t:g}' for t in totals)}, "
              f"{len(flakes)} test(s) changed")
        for tid, o in flakes.items():
            counts = ", ".join(f"{v} {o.count(v)}x" for v in sorted(set(o)))
            print(f"    FLAKY {tid}: {counts}")
        changed += len(flakes)
    print(f"\nflaky tests: {changed}")
    return 1 if changed else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("cmd", choices=["write", "run", "variants", "flaky"])
    ap.add_argument("names", nargs="*", help="run: only these mutants; flaky: the "
                    f"mutants to repeat (default: {' '.join(FLAKY_MUTANTS)})")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--runs", type=int, default=20, help="flaky: gradings of each")
    args = ap.parse_intermixed_args()
    if args.cmd == "write":
        write()
        return 0
    if args.cmd == "variants":
        return variants(args.jobs)
    if args.cmd == "flaky":
        return flaky(args.jobs, args.runs, args.names or FLAKY_MUTANTS)
    return run(args.jobs, args.names)


if __name__ == "__main__":
    sys.exit(main())
