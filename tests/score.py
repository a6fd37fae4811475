#!/usr/bin/env python3
"""Builds a source tree, runs the kit's tests against it, and scores them.

This is what `make test` runs for students and what the grader runs for each
submission, so both read the same rubric (tests/rubric.json) and give the same
points. Every test the rubric lists is reported: passed, failed (with what was
sent, expected and received, and a hint) or not run (and why).

    score.py --src src --build build [--ex N] [--json results.json]
             [--hidden DIR] [--require-full] [--max-points N]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
UNIT_BINARIES = ("test_list", "test_protocol", "test_lineio")
TSAN_FLAGS = "-fsanitize=thread"


@dataclass
class Result:
    id: str
    exercise: int
    points: float
    earned: float = 0.0
    outcome: str = "not run"
    message: str = ""
    hint: str = ""
    hidden: bool = False
    seconds: float = 0.0


@dataclass
class Build:
    target: str
    ok: bool
    output: str


@dataclass
class Report:
    src: str
    results: list[Result] = field(default_factory=list)
    builds: list[Build] = field(default_factory=list)
    exercises: list[dict] = field(default_factory=list)
    seconds: float = 0.0


# ---- running things, always with a deadline -------------------------------

# When the whole run must end by a deadline (--budget), the time.monotonic()
# by which it must: each step gets what is left, and the results of the steps
# that finished are kept.
DEADLINE: float | None = None


def allowed(own_limit: float) -> float:
    """A step's time limit: its own, or what is left of the budget if less."""
    if DEADLINE is None:
        return own_limit
    return max(0.0, min(own_limit, DEADLINE - time.monotonic()))


def sandboxed(cmd: list[str]) -> list[str]:
    """cmd behind the grader's sandbox, if it set one (CHATLAB_SANDBOX holds a
    JSON list of words to put before every command that runs student code)."""
    return json.loads(os.environ.get("CHATLAB_SANDBOX", "[]")) + cmd


def run(cmd: list[str], timeout: float, env: dict | None = None,
        cwd: Path = KIT) -> tuple[int, str]:
    """Runs cmd in its own process group; kills the whole group at timeout.

    Returns (exit status, combined output); status 124 means it timed out.
    """
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
        status = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        status = 124
    finally:
        try:  # Nothing a test started may outlive it.
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return status, out.decode("utf-8", "replace")


def make(target: str, src: Path, build: Path, extra: list[str] = ()) -> Build:
    cmd = ["make", "-s", "--no-print-directory", "-f", str(KIT / "tests/kit.mk"),
           f"SRC={src}", f"BUILD={build}", *extra, str(build / target)]
    status, out = run(sandboxed(cmd), timeout=max(1.0, allowed(180)))
    return Build(target, status == 0, out.strip())


# ---- collecting outcomes ----------------------------------------------------

def unit_outcomes(binary: Path, env: dict, timeout: float) -> dict[str, dict]:
    """Runs one Check binary; maps "unit/<binary>::<test>" to its outcome."""
    # Beside the binary, not in /tmp: a sandbox may give the test its own /tmp.
    with tempfile.TemporaryDirectory(dir=binary.parent) as tmp:
        os.chmod(tmp, 0o777)  # the sandbox may run the test as another user
        xml = Path(tmp) / "log.xml"
        env = dict(env, CK_XML_LOG_FILE_NAME=str(xml), CK_VERBOSITY="silent")
        status, out = run(sandboxed([str(binary)]), timeout, env)
        if not xml.exists():
            why = "timed out" if status == 124 else f"exited with status {status}"
            return {"*": {"outcome": "failed",
                          "message": f"{binary.name} {why} before reporting:\n{out[-2000:]}"}}
        found = {}
        root = ET.parse(xml).getroot()
        for el in root.iter():  # Check's log has a namespace; drop it
            el.tag = el.tag.rsplit("}", 1)[-1]
        for test in root.iter("test"):
            name = test.findtext("id", "")
            message = test.findtext("message", "")
            passed = test.get("result") == "success"
            key = f"unit/{binary.name}::{name}"
            if found.get(key, {}).get("outcome") == "failed":
                continue  # a loop test fails if any of its iterations fails
            found[key] = {
                "outcome": "passed" if passed else "failed",
                "message": "" if passed else f"{test.findtext('fn', '')}: {message}",
                "seconds": float(test.findtext("duration", "0") or 0)}
        return found


def pytest_outcomes(suite: str, env: dict, timeout: float) -> dict[str, dict]:
    """Runs pytest on one suite (a folder) with score_plugin; maps test ids to
    outcomes, and "<suite name>/*" to the outcome of tests that reported none."""
    paths, rest = [suite], f"{Path(suite).name}/*"
    timeout = allowed(timeout)
    if timeout < 1:
        return {rest: {"outcome": "failed",
                       "message": "not run: the earlier tests used up the time "
                                  "the grading allows"}}
    with tempfile.TemporaryDirectory() as tmp:
        out_file = Path(tmp) / "results.jsonl"
        env = dict(env, CHATLAB_RESULTS=str(out_file),
                   PYTHONPATH=os.pathsep.join(filter(None, [
                       str(KIT / "tests"), env.get("PYTHONPATH", "")])))
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
               "-p", "score_plugin", "--rootdir", str(KIT), *paths]
        status, out = run(cmd, timeout, env)
        found = {}
        if out_file.exists():
            for line in out_file.read_text().splitlines():
                entry = json.loads(line)
                found[entry.pop("id")] = entry
        if status == 124:
            found[rest] = {"outcome": "failed",
                           "message": f"the {Path(suite).name} tests did not finish "
                                      f"within {timeout:.0f} s: a test waited on the "
                                      f"server (or the client) until the limit"}
        elif not found and status not in (0, 5):
            found[rest] = {"outcome": "failed", "message": out[-3000:]}
        return found


# ---- the pipeline -------------------------------------------------------------

def load_rubric(path: Path) -> dict:
    rubric = json.loads(path.read_text())
    ids = [t["id"] for t in rubric["tests"]]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise SystemExit(f"score: {path} lists these tests twice: {sorted(dupes)}")
    return rubric


def test_env(build: Path) -> dict:
    env = dict(os.environ, CHATLAB_BUILD=str(build))
    env.setdefault("ASAN_OPTIONS", "abort_on_error=1:detect_leaks=1:exitcode=86")
    env.setdefault("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1:exitcode=86")
    env.setdefault("TSAN_OPTIONS", "halt_on_error=1:exitcode=86")
    return env


def wanted(rubric: dict, exercise: int | None) -> list[dict]:
    return [t for t in rubric["tests"] if exercise in (None, t["exercise"])]


def collect(rubric_tests: list[dict], src: Path, build: Path,
            hidden: Path | None, report: Report,
            blackbox: bool = False) -> dict[str, dict]:
    """Builds what the wanted tests need and runs them; returns outcomes.

    In black-box mode the submission built $build/server and $build/client
    its own way; only the tests that need nothing but the two programs run.
    """
    prefixes = {t["id"].split("/")[0] for t in rubric_tests}
    units = {t["id"].split("::")[0].split("/")[1] for t in rubric_tests
             if t["id"].startswith("unit/") and not blackbox}
    env = test_env(build)
    if blackbox:
        env["CHATLAB_BLACKBOX"] = "1"
    outcomes: dict[str, dict] = {}

    targets = [] if blackbox else ["server", "client"]
    for target in targets + [f"tests/{u}" for u in sorted(units)]:
        report.builds.append(make(target, src, build))
    for unit in sorted(units):
        binary = build / "tests" / unit
        if binary.exists():
            for key, value in unit_outcomes(binary, env, allowed(60)).items():
                outcomes[key if key != "*" else f"unit/{unit}::*"] = value
    if "integration" in prefixes:
        outcomes.update(pytest_outcomes(str(KIT / "tests/integration"), env, 240))
    if "quality" in prefixes:
        if (build / "server").exists() and not blackbox:
            report.builds.append(make("server", src, build / "tsan",
                                      ["CFLAGS=-O1 -g", f"SANITIZE={TSAN_FLAGS}"]))
        outcomes.update(pytest_outcomes(str(KIT / "tests/quality"), env, 300))
    if "hidden" in prefixes and hidden is not None and hidden.is_dir():
        outcomes.update(pytest_outcomes(str(hidden), env, 300))
    return outcomes


def why_not_run(test_id: str, report: Report, hidden: Path | None,
                blackbox: bool = False) -> str:
    failed = [b for b in report.builds if not b.ok]
    if blackbox and test_id.startswith("unit/"):
        return ("not run: the submission does not use the kit's layout, so its "
                "modules cannot be unit tested; only its server and client were")
    if test_id.startswith("unit/"):
        unit = test_id.split("::")[0].split("/")[1]
        for b in failed:
            if b.target == f"tests/{unit}":
                return f"{unit} did not compile (see the build errors above)"
    elif test_id.startswith("hidden/") and (hidden is None or not hidden.is_dir()):
        return "hidden test: run by the grader only"
    for b in failed:
        if b.target in ("server", "client"):
            return f"{b.target} did not compile (see the build errors above)"
    return "this test did not run; is it still in the test files?"


def score(rubric: dict, exercise: int | None, src: Path, build: Path,
          hidden: Path | None, blackbox: bool = False) -> Report:
    start = time.monotonic()
    report = Report(src=str(src), exercises=rubric["exercises"])
    tests = wanted(rubric, exercise)
    outcomes = collect(tests, src, build, hidden, report, blackbox)
    for t in tests:
        r = Result(id=t["id"], exercise=t["exercise"], points=t["points"],
                   hint=t.get("hint", ""), hidden=t.get("hidden", False))
        suite = r.id.split("::")[0]
        got = outcomes.get(r.id) or outcomes.get(f"{suite}::*") or \
            outcomes.get(f"{suite.split('/')[0]}/*")
        if got is None:
            r.message = why_not_run(r.id, report, hidden, blackbox)
        else:
            r.outcome = got["outcome"]
            r.message = got.get("message", "")
            r.seconds = got.get("seconds", 0.0)
        r.earned = r.points if r.outcome == "passed" else 0.0
        report.results.append(r)
    report.seconds = round(time.monotonic() - start, 1)
    return report


# ---- showing the results --------------------------------------------------------

def indent(text: str, pad: str = "      ") -> str:
    return "\n".join(pad + line for line in text.rstrip().splitlines())


def fmt_points(x: float) -> str:
    return f"{x:g}"


def show(report: Report, out=sys.stdout) -> None:
    broken = [b for b in report.builds if not b.ok]
    for b in broken:
        print(f"\nBUILD FAILED: {b.target}\n{indent(b.output[-4000:])}", file=out)
    failures = [r for r in report.results if r.outcome != "passed"]
    if failures:
        print(f"\n{len(failures)} of {len(report.results)} tests did not pass:", file=out)
    for r in failures:
        print(f"\n  ex {r.exercise}  {r.id}  [{r.outcome}, 0 of "
              f"{fmt_points(r.points)}]", file=out)
        if r.hidden:
            print("      (a hidden test: its details are shown after grading)", file=out)
            continue
        if r.message:
            print(indent(r.message), file=out)
        if r.hint:
            print(indent("hint: " + r.hint), file=out)
    show_table(report, out)


def exercise_totals(report: Report) -> list[tuple[dict, float, float]]:
    rows = []
    for ex in report.exercises:
        mine = [r for r in report.results if r.exercise == ex["id"]]
        if mine:
            rows.append((ex, sum(r.earned for r in mine), sum(r.points for r in mine)))
    return rows


def show_table(report: Report, out=sys.stdout) -> None:
    rows = exercise_totals(report)
    width = max([len(ex["title"]) for ex, _, _ in rows] + [20])
    print(f"\nResults for {report.src} ({report.seconds:g} s):\n", file=out)
    print(f"  ex  {'exercise':<{width}}  {'tests':>7}  {'points':>9}", file=out)
    for ex, earned, possible in rows:
        mine = [r for r in report.results if r.exercise == ex["id"]]
        passed = sum(r.outcome == "passed" for r in mine)
        print(f"  {ex['id']:>2}  {ex['title']:<{width}}  {passed:>3}/{len(mine):<3}  "
              f"{fmt_points(earned):>4}/{fmt_points(possible):<4}", file=out)
    total = sum(e for _, e, _ in rows)
    possible = sum(p for _, _, p in rows)
    print(f"      {'total':<{width}}  {'':>7}  {fmt_points(total):>4}/"
          f"{fmt_points(possible):<4}", file=out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", type=Path, default=Path("src"))
    ap.add_argument("--build", type=Path, default=Path("build"))
    ap.add_argument("--rubric", type=Path, default=KIT / "tests/rubric.json")
    ap.add_argument("--ex", type=int, help="run only this exercise's tests")
    ap.add_argument("--hidden", type=Path, help="directory of hidden tests")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--blackbox", action="store_true",
                    help="BUILD already holds server and client built another "
                         "way: run only the tests that need just the programs")
    ap.add_argument("--require-full", action="store_true",
                    help="exit 1 unless every test passed")
    ap.add_argument("--max-points", type=float,
                    help="exit 1 if the total is above this")
    ap.add_argument("--budget", type=float,
                    help="seconds for the whole run: later steps get what is left, "
                         "and the results of finished steps are kept")
    args = ap.parse_args()
    global DEADLINE
    if args.budget is not None:
        DEADLINE = time.monotonic() + args.budget
    if shutil.which("make") is None:
        raise SystemExit("score: make is not installed")
    rubric = load_rubric(args.rubric)
    if args.ex is not None and not wanted(rubric, args.ex):
        raise SystemExit(f"score: no tests for exercise {args.ex}")
    report = score(rubric, args.ex, args.src.resolve(), args.build.resolve(),
                   args.hidden.resolve() if args.hidden else None, args.blackbox)
    show(report)
    if args.json:
        tmp = args.json.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(report), indent=1))
        tmp.replace(args.json)
    total = sum(r.earned for r in report.results)
    if args.require_full and total < sum(r.points for r in report.results):
        print("score: not every test passed", file=sys.stderr)
        return 1
    if args.max_points is not None and total > args.max_points:
        print(f"score: {fmt_points(total)} points, more than the "
              f"{fmt_points(args.max_points)} allowed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
