"""Tests of the grader: unsafe archives, the sandbox seen from inside, hostile
submissions graded beside a correct one, repeatability, and the fallback.

Hostile programs (fork bombs, kill(-1, ...)) run only inside the PID-namespaced
sandbox; the fallback mode is tested with gentle cases only. No test sends
anything to a non-loopback address: isolation is shown from inside.
"""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
GRADER = HERE.parent
KIT = GRADER.parent
sys.path.insert(0, str(GRADER))

import sandbox  # noqa: E402
import samples  # noqa: E402
import unpack  # noqa: E402

FULL = sum(t["points"] for t in json.loads((KIT / "tests/rubric.json").read_text())["tests"])
FAST = {"CHATLAB_TIMEOUT_SCALE": "0.4", "GRADER_STEP_TIMEOUT": "150"}

# Each hostile server does its worst when it gets its first /list.
HOSTILE = {
    "forkbomb": "for (;;) fork();",
    "killall": "kill(-1, SIGKILL);",
    "killparent": "kill(getppid(), SIGKILL);",
    "flood": 'for (;;) fputs("flood flood flood flood flood flood flood\\n", stderr);',
    "spin": "for (volatile int x = 0;; x++) ;",
}
PEEK = ('{ FILE *f = fopen("' + str(KIT / "tests/hidden/test_hidden.py") + '", "r"); '
        'char b[200] = "nothing"; if (f) { fread(b, 1, 199, f); fclose(f); } '
        'send_err_str(c, "unknown-command", b); }')


def grade(folder: Path, out: Path, *extra: str, env: dict | None = None) -> dict[str, float]:
    """Runs grader/grade; returns each submission's total."""
    run = subprocess.run([sys.executable, str(GRADER / "grade"), str(folder), "-o", str(out),
                          "--force", *extra], capture_output=True, text=True, timeout=900,
                         env=dict(os.environ, **FAST, **(env or {})))
    assert run.returncode == 0, run.stderr[-3000:]
    with open(out / "grades.csv") as f:
        return {row["id"]: float(row["total"]) for row in csv.DictReader(f)}


def server_with(code: str) -> dict[str, str]:
    files = samples.solution_files()
    anchor = "static int do_list(struct client *c)\n{"
    files["server.c"] = files["server.c"].replace(anchor, anchor + "\n\t" + code, 1)
    return files


# ---- unpacking ------------------------------------------------------------------

def tar_with(members: list[tarfile.TarInfo], data: bytes = b"x") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for m in members:
            tar.addfile(m, io.BytesIO(data) if m.isfile() else None)
    return buf.getvalue()


def member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    m = tarfile.TarInfo(name)
    m.type, m.linkname, m.size = kind, link, 1 if kind == tarfile.REGTYPE else 0
    return m


def test_unpack_skips_traversal_links_and_devices(tmp_path):
    archive = tmp_path / "evil.tar.gz"
    archive.write_bytes(tar_with([
        member("src/list.c"), member("../escaped"), member("/abs/path"),
        member("src/link", tarfile.SYMTYPE, "/etc/passwd"),
        member("src/hard", tarfile.LNKTYPE, "src/list.c"),
        member("src/dev", tarfile.CHRTYPE), member("src/fifo", tarfile.FIFOTYPE)]))
    dest = tmp_path / "out"
    notes = unpack.unpack(archive, dest)
    found = sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file())
    assert found == ["src/list.c"], f"extracted {found}"
    assert not (tmp_path / "escaped").exists()
    assert len(notes) == 6, notes


def test_unpack_limits_file_count(tmp_path):
    archive = tmp_path / "many.tar.gz"
    archive.write_bytes(tar_with([member(f"f{i}") for i in range(unpack.MAX_FILES + 1)]))
    with pytest.raises(unpack.Rejected):
        unpack.unpack(archive, tmp_path / "out")


# ---- the sandbox, seen from inside ------------------------------------------------

@pytest.mark.skipif(not (sandbox.bwrap_works() and sandbox.netns_works()),
                    reason="needs bubblewrap and root")
def test_sandbox_has_only_loopback_no_root_and_no_hidden_tests(tmp_path):
    probe = ("tail -n +3 /proc/net/dev | cut -d: -f1; echo routes; tail -n +2 /proc/net/route; "
             f"echo uid $(id -u); test -e {KIT}/tests/hidden && echo hidden-visible; "
             f"test -e {KIT}/solution && echo solution-visible; echo done")
    cmd = sandbox.in_netns(sandbox.prefix(tmp_path, 0, True) + ["sh", "-c", probe])
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.split()
    assert out[:2] == ["lo", "routes"], f"interfaces and routes: {out}"
    assert out[2:4] == ["uid", str(sandbox.BASE_UID)], out
    assert "hidden-visible" not in out and "solution-visible" not in out, out
    assert out[-1] == "done"


# ---- hostile submissions ------------------------------------------------------------

@pytest.mark.skipif(not (sandbox.bwrap_works() and sandbox.netns_works()),
                    reason="hostile programs run only inside the PID-namespaced sandbox")
def test_hostile_submissions_are_contained_and_leave_others_alone(tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    samples.pack(folder, "solution", samples.solution_files())
    for name, code in HOSTILE.items():
        samples.pack(folder, name, server_with(code))
    samples.pack(folder, "peek", server_with(PEEK))
    evil = tmp_path / "evil.tar.gz"
    evil.write_bytes(tar_with([member("../../escaped"), member("src/link", tarfile.SYMTYPE, "/")]))
    (folder / "traversal.tar.gz").write_bytes(evil.read_bytes())
    start = time.monotonic()
    totals = grade(folder, tmp_path / "out", "-j", "2")
    took = time.monotonic() - start
    assert totals["solution"] == FULL, f"the solution, graded beside hostile ones: {totals}"
    # Inside its own PID namespace kill(-1) reaches only the submission's own
    # processes, and its init ignores the kill: the server goes on unharmed.
    assert totals["killall"] == totals["killparent"] == FULL, totals
    for name in ("forkbomb", "flood", "peek"):
        assert 0 < totals[name] < FULL, f"{name} should keep partial marks: {totals}"
    assert totals["spin"] < FULL, totals  # scored within the time limit
    assert totals["traversal"] == 0
    assert not (tmp_path / "escaped").exists() and not (folder.parent / "escaped").exists()
    feedback = (tmp_path / "out/feedback/peek.txt").read_text()
    assert "def test_" not in feedback and "nothing" in feedback, \
        "the submission could read the hidden tests"
    report = (tmp_path / "out/report.html").read_text()
    assert "bubblewrap" in report
    assert took < 600


# ---- repeatability and the fallback ---------------------------------------------------

def test_grading_the_solution_ten_times_gives_ten_identical_results(tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    for i in range(10):
        samples.pack(folder, f"copy{i}", samples.solution_files())
    grade(folder, tmp_path / "out", "-j", "2")
    results = json.loads((tmp_path / "out/results.json").read_text())
    outcomes = {json.dumps([(t["id"], t["outcome"]) for t in r["results"]]) for r in results}
    assert len(results) == 10 and len(outcomes) == 1, "the ten gradings differ"
    assert all(sum(t["earned"] for t in r["results"]) == FULL for r in results)


def test_fallback_mode_grades_and_says_so(tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    samples.pack(folder, "solution", samples.solution_files())
    files = samples.solution_files()
    fname, old, new = samples.EDITS["crash-on-msg"]
    files[fname] = files[fname].replace(old, new, 1)
    samples.pack(folder, "crash", files)
    totals = grade(folder, tmp_path / "out", "-j", "2", env={"GRADER_NO_BWRAP": "1"})
    assert totals["solution"] == FULL and 0 < totals["crash"] < FULL, totals
    assert "fallback" in (tmp_path / "out/report.html").read_text()
