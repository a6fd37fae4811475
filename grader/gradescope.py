#!/usr/bin/env python3
"""Gradescope: build the autograder zip, and run inside it.

    gradescope.py build OUT.zip      the zip to upload (make autograder)
    gradescope.py run [--root DIR]   what run_autograder does: grade
                                     DIR/submission, write DIR/results/results.json

Gradescope unpacks the zip into /autograder/source, runs setup.sh once when
the image is built, and run_autograder for every submission, with the
student's upload in /autograder/submission. results.json follows Gradescope's
schema: a score, and per test its name, score, max_score, output and
visibility; hidden tests stay "after_due_date" so students see their details
only once grades are published.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
SETUP = """#!/bin/sh
# Gradescope runs this once, as root, when it builds the autograder image.
set -eu
apt-get update
apt-get install -y --no-install-recommends $(grep -v '^#' /autograder/source/docker/packages.txt)
"""
RUN = """#!/bin/sh
# Gradescope runs this for every submission.
exec /usr/bin/python3 /autograder/source/grader/gradescope.py run --root /autograder
"""
SKIP = ("build/", ".git/", "grades/", "submissions/", "__pycache__")


def build(out: Path) -> None:
    files = subprocess.run(["git", "-C", str(KIT), "ls-files"], capture_output=True,
                           text=True, check=True).stdout.split()
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in ("setup.sh", "run_autograder"):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16
            z.writestr(info, SETUP if name == "setup.sh" else RUN)
        for name in files:
            if not name.startswith(SKIP):
                path = KIT / name
                info = zipfile.ZipInfo(f"source/{name}")
                info.external_attr = (path.stat().st_mode & 0o777) << 16
                z.writestr(info, path.read_bytes())
    print(f"gradescope: wrote {out}")


def results_json(result: dict, rubric: dict) -> dict:
    """One submission's grader result in Gradescope's schema."""
    tests = []
    for t in result["results"]:
        hidden = t.get("hidden", False)
        output = t.get("message", "") if t.get("outcome") != "passed" else ""
        tests.append({
            "name": f"ex{t['exercise']} {t['id']}",
            "score": t.get("earned", 0.0),
            "max_score": t["points"],
            "output": output[:8000],
            "visibility": "after_due_date" if hidden else "visible",
        })
    notes = "\n".join(result.get("notes", []))
    return {"score": sum(x["score"] for x in tests), "tests": tests,
            "output": f"Isolation: {result.get('isolation', '?')}\n{notes}".strip(),
            "visibility": "visible"}


def run(root: Path) -> int:
    rubric = json.loads((KIT / "tests/rubric.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([sys.executable, str(KIT / "grader/grade"),
                               str(root / "submission"), "-o", tmp, "--force"])
        results = json.loads((Path(tmp) / "results.json").read_text()) \
            if proc.returncode == 0 else []
    out = root / "results"
    out.mkdir(parents=True, exist_ok=True)
    if not results:
        data = {"score": 0, "output": "the grader could not grade this submission",
                "tests": []}
    else:
        data = results_json(results[0], rubric)
    (out / "results.json").write_text(json.dumps(data, indent=1))
    return 0


def main() -> int:
    if len(sys.argv) >= 3 and sys.argv[1] == "build":
        build(Path(sys.argv[2]))
        return 0
    if len(sys.argv) >= 2 and sys.argv[1] == "run":
        root = Path(sys.argv[3]) if len(sys.argv) >= 4 and sys.argv[2] == "--root" \
            else Path("/autograder")
        return run(root)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
