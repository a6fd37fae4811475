#!/usr/bin/env python3
"""Keeps tests/rubric.json in step with the tests that exist.

    rubric.py --check     exit 1 unless the rubric lists exactly the tests
    rubric.py --sync      add new tests (exercise from the RULES below, 1
                          point) and drop the rubric's entries for tests that
                          are gone; existing entries keep their points

Test ids: unit/<binary>::<function> for Check tests (read from the sources),
<suite>/<file>::<test>[param] for pytest tests (from pytest's collection).
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
RUBRIC = KIT / "tests/rubric.json"
SUITES = ["integration", "quality", "hidden"]

# The exercise a new test belongs to: the first pattern that matches its id.
RULES = [
    (r"^unit/test_list::", 1),
    (r"^unit/test_protocol::", 2),
    (r"^unit/test_lineio::", 3),
    (r"^integration/test_client\.py::", 6),
    (r"^quality/", 7),
    (r"msg|quit|disconnect|reset|sig(term|int)|order|crlf_commands|cr_inside|1000", 5),
    (r"baseline|stops_reading|junk", 7),
    (r"^(integration|hidden)/", 4),
]


def unit_ids() -> list[str]:
    ids = []
    for src in sorted((KIT / "tests/unit").glob("test_*.c")):
        for fn in re.findall(r"tcase_add_(?:loop_)?test\(\s*\w+\s*,\s*(\w+)", src.read_text()):
            ids.append(f"unit/{src.stem}::{fn}")
    return ids


def pytest_ids() -> list[str]:
    paths = [str(KIT / "tests" / s) for s in SUITES if (KIT / "tests" / s).is_dir()]
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                          "-p", "no:cacheprovider", *paths], cwd=KIT,
                         capture_output=True, text=True, check=False).stdout
    ids = []
    for line in out.splitlines():
        if "::" in line and line.startswith("tests/"):
            path, _, name = line.partition("::")
            ids.append(path[len("tests/"):] + "::" + name)
    return ids


def exercise_for(test_id: str) -> int:
    return next(ex for pattern, ex in RULES if re.search(pattern, test_id))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--sync", action="store_true")
    args = ap.parse_args()
    rubric = json.loads(RUBRIC.read_text())
    have = {t["id"]: t for t in rubric["tests"]}
    found = unit_ids() + pytest_ids()
    missing = [i for i in found if i not in have]
    stale = [i for i in have if i not in found]
    if args.check:
        for i in missing:
            print(f"rubric: test not in tests/rubric.json: {i}", file=sys.stderr)
        for i in stale:
            print(f"rubric: tests/rubric.json lists a test that does not exist: {i}",
                  file=sys.stderr)
        if missing or stale:
            print("rubric: run 'make rubric' to add and drop entries, then set "
                  "their points", file=sys.stderr)
            return 1
        print(f"rubric: {len(found)} tests, all in the rubric")
        return 0
    tests = [have.get(i) or {"id": i, "exercise": exercise_for(i), "points": 1}
             for i in found]
    for t in tests:
        if t["id"].startswith("hidden/"):
            t["hidden"] = True
    rubric["tests"] = tests
    RUBRIC.write_text(json.dumps(rubric, indent=2) + "\n")
    print(f"rubric: {len(missing)} added, {len(stale)} dropped, {len(tests)} in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
