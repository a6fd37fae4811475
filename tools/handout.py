#!/usr/bin/env python3
"""Builds and checks the student distribution.

    handout.py build --out build/chatlab-handout.tar.gz [--rendered build/handouts]
    handout.py check build/chatlab-handout.tar.gz [--max-points N]

The tarball holds the skeleton as src/, the public tests, the students'
Makefile, the handouts and the Docker files: never the solution, the hidden
tests or the grader. `check` unpacks it in a temporary directory, looks for
any line of solution code in it, and runs `make test` there.
"""
from __future__ import annotations

import argparse
import io
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
TOP = "chatlab"

# (source in the kit, destination in the handout); directories are copied whole.
MANIFEST = [
    ("tests/student.mk", "Makefile"),
    ("tools/student-README.md", "README.md"),
    ("skeleton", "src"),
    ("tests/kit.mk", "tests/kit.mk"),
    ("tests/score.py", "tests/score.py"),
    ("tests/score_plugin.py", "tests/score_plugin.py"),
    ("tests/unit", "tests/unit"),
    ("tests/integration", "tests/integration"),
    ("tests/quality", "tests/quality"),
    ("tests/chatlib", "tests/chatlib"),
    ("tools/demo.py", "tools/demo.py"),
    ("bench", "bench"),
    ("tools/install-deps.sh", "tools/install-deps.sh"),
    ("docker/packages.txt", "docker/packages.txt"),
    ("docker/Dockerfile", "docker/Dockerfile"),
    ("docker/demo-client.py", "docker/demo-client.py"),
    (".dockerignore", ".dockerignore"),
    ("handouts", "handouts"),
]
NEVER = ("solution/", "tests/hidden", "grader/", "__pycache__", ".pyc")


def public_rubric() -> bytes:
    """The rubric without the hidden tests' entries."""
    rubric = json.loads((KIT / "tests/rubric.json").read_text())
    rubric["tests"] = [t for t in rubric["tests"] if not t.get("hidden")]
    return (json.dumps(rubric, indent=2) + "\n").encode()


def student_compose() -> bytes:
    """compose.yaml without the instructors' grader service."""
    text = (KIT / "compose.yaml").read_text()
    cut = text.find("\n  # Instructors:")
    return (text[:cut].rstrip() + "\n" if cut >= 0 else text).encode()


def add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(f"{TOP}/{name}")
    info.size, info.mode, info.mtime = len(data), mode, int(time.time())
    tar.addfile(info, io.BytesIO(data))


def files_under(src: Path) -> list[Path]:
    if src.is_file():
        return [src]
    return sorted(p for p in src.rglob("*") if p.is_file())


def build(out: Path, rendered: Path | None) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with tarfile.open(tmp, "w:gz") as tar:
        for src, dest in MANIFEST:
            path = KIT / src
            if not path.exists():
                print(f"handout: note: {src} does not exist yet; not shipped",
                      file=sys.stderr)
                continue
            for f in files_under(path):
                rel = f.relative_to(path) if path.is_dir() else Path()
                name = str(Path(dest) / rel) if path.is_dir() else dest
                if any(n in str(f.relative_to(KIT)) for n in NEVER):
                    continue
                add_bytes(tar, name, f.read_bytes(), 0o755 if f.stat().st_mode & 0o100 else 0o644)
        add_bytes(tar, "tests/rubric.json", public_rubric())
        add_bytes(tar, "compose.yaml", student_compose())
        if rendered is not None and rendered.is_dir():
            for f in files_under(rendered):
                if f.suffix in (".html", ".pdf"):
                    add_bytes(tar, f"handouts/{f.relative_to(rendered)}", f.read_bytes())
    tmp.replace(out)
    print(f"handout: wrote {out}")


# ---- checking ------------------------------------------------------------------

TRIVIAL = re.compile(r"^[\s{}();,]*$|^(return|break|continue|else|default:)\b.{0,12}$")


def solution_lines() -> set[str]:
    """Significant lines of code that appear only inside solution regions."""
    inside, given = set(), set()
    for path in sorted((KIT / "solution").glob("*.[ch]")):
        depth = False
        for line in path.read_text().splitlines():
            text = line.strip()
            if text.startswith("/* BEGIN SOLUTION"):
                depth = True
            elif text.startswith("/* END SOLUTION"):
                depth = False
            elif depth and not text.startswith(("*", "/*", "//")):
                inside.add(text)
            elif not depth:
                given.add(text)
    # Lines the public files share with the solution by coincidence (a
    # declaration, a loop header) are not leaks.
    public = [KIT / "skeleton", KIT / "tests/unit", KIT / "tests/integration",
              KIT / "tests/quality", KIT / "tests/chatlib", KIT / "bench"]
    for folder in public:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            try:
                given.update(line.strip() for line in path.read_text().splitlines())
            except UnicodeDecodeError:
                continue
    return {t for t in inside - given if len(t) >= 20 and not TRIVIAL.match(t)}


def leaks(root: Path) -> list[str]:
    secret = solution_lines()
    found = []
    for f in files_under(root):
        rel = f.relative_to(root)
        if any(n.rstrip("/") in str(rel) for n in NEVER):
            found.append(f"{rel}: must not be in the handout")
        try:
            text = f.read_text()
        except UnicodeDecodeError:
            continue
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip() in secret:
                found.append(f"{rel}:{n}: solution code: {line.strip()}")
    return found


def check(tarball: Path, max_points: float | None) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(tarball) as tar:
            tar.extractall(tmp)  # our own tarball, built just before
        root = Path(tmp) / TOP
        problems = leaks(root)
        for p in problems:
            print(f"handout: {p}", file=sys.stderr)
        if problems:
            return 1
        print(f"handout: no solution code in {tarball.name}")
        cmd = ["make", "--no-print-directory", "test"]
        start = time.monotonic()
        proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True,
                              timeout=120, stdin=subprocess.DEVNULL)
        took = time.monotonic() - start
        print(proc.stdout[-1500:])
        if proc.returncode != 0 or "total" not in proc.stdout:
            print(f"handout: 'make test' failed in the unpacked handout:\n"
                  f"{proc.stderr[-3000:]}", file=sys.stderr)
            return 1
        print(f"handout: 'make test' ran in the unpacked handout in {took:.1f} s")
        problems = check_submit(root)
        for p in problems:
            print(f"handout: make submit: {p}", file=sys.stderr)
        return 1 if problems else 0


def make_submit(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", "submit", *args],
                          cwd=root, capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)


def check_submit(root: Path) -> list[str]:
    """make submit packs exactly the student's files, and refuses clearly
    without an ID or when the code does not build."""
    problems = []
    run = make_submit(root)
    if run.returncode == 0 or "ID=" not in run.stderr:
        problems.append(f"without ID it must refuse and say how: {run.stderr!r}")
    run = make_submit(root, "ID=jdoe42")
    packed = root / "jdoe42.tar.gz"
    if run.returncode != 0 or not packed.exists():
        problems.append(f"'make submit ID=jdoe42' failed: {run.stderr!r}")
    else:
        with tarfile.open(packed) as tar:
            names = sorted(tar.getnames())
        files = json.loads((root / "tests/rubric.json").read_text())["student_files"]
        if names != sorted(f"src/{f}" for f in files):
            problems.append(f"jdoe42.tar.gz holds {names}, expected src/ + {files}")
    with open(root / "src/list.c", "a") as f:
        f.write("\nthis does not compile\n")
    run = make_submit(root, "ID=broken")
    if run.returncode == 0 or "does not build" not in run.stderr:
        problems.append(f"it must refuse code that does not build: {run.stderr!r}")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--out", type=Path, default=KIT / "build/chatlab-handout.tar.gz")
    b.add_argument("--rendered", type=Path)
    c = sub.add_parser("check")
    c.add_argument("tarball", type=Path)
    c.add_argument("--max-points", type=float)
    args = ap.parse_args()
    if args.cmd == "build":
        build(args.out, args.rendered)
        return 0
    return check(args.tarball, args.max_points)


if __name__ == "__main__":
    sys.exit(main())
