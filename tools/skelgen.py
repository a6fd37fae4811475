#!/usr/bin/env python3
"""Writes the student skeleton from the reference solution.

The reference marks the code students write:

    /* BEGIN SOLUTION
     * TODO(ex 2): what to do, and what to read first.
     * STUB: (void)name;
     * STUB: return false;
     */
    ... the reference code ...
    /* END SOLUTION */

In the skeleton the whole region becomes the TODO comment followed by the
STUB lines, at the indentation of the BEGIN line. A region without STUB lines
is removed (a static helper, say); one without a TODO leaves no comment.
Files without markers are copied unchanged.

    skelgen.py [--src solution] [--out skeleton]     write the skeleton
    skelgen.py --check [--src ...] [--out ...]        exit 1 if out is stale
"""
from __future__ import annotations

import argparse
import difflib
import sys
from dataclasses import dataclass, field
from pathlib import Path

BEGIN = "/* BEGIN SOLUTION"
END = "/* END SOLUTION */"


class MarkerError(Exception):
    """A marker is malformed; the message names the file and line."""


@dataclass
class Region:
    indent: str
    hint: list[str] = field(default_factory=list)
    stub: list[str] = field(default_factory=list)


def _read_header(lines: list[str], i: int, where: str) -> tuple[Region, int]:
    """Parses the BEGIN comment at lines[i]; returns it and the next index."""
    first = lines[i]
    region = Region(indent=first[: len(first) - len(first.lstrip())])
    if first.rstrip().endswith("*/"):
        return region, i + 1
    i += 1
    while i < len(lines):
        text = lines[i].strip()
        if text == "*/":
            return region, i + 1
        if not text.startswith("*"):
            raise MarkerError(f"{where}:{i + 1}: expected ' * ' inside BEGIN SOLUTION")
        body = text[1:].strip()
        if body.startswith("STUB:"):
            code = body[len("STUB:"):]
            region.stub.append(code[1:] if code.startswith(" ") else code)
        elif region.stub:
            raise MarkerError(f"{where}:{i + 1}: hint text after a STUB line")
        else:
            region.hint.append(body)
        i += 1
    raise MarkerError(f"{where}: BEGIN SOLUTION comment never closed")


def _render(region: Region) -> list[str]:
    """The skeleton's text for one region."""
    out: list[str] = []
    pad = region.indent
    hint = [h for h in region.hint if h]
    if len(hint) == 1:
        out.append(f"{pad}/* {hint[0]} */")
    elif hint:
        out.append(f"{pad}/*")
        out += [f"{pad} * {h}" for h in hint]
        out.append(f"{pad} */")
    out += [f"{pad}{s}" if s else "" for s in region.stub]
    return out


def transform(text: str, where: str) -> str:
    """Returns the skeleton version of one source file's text."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        if stripped.startswith(END):
            raise MarkerError(f"{where}:{i + 1}: END SOLUTION without BEGIN")
        if not stripped.startswith(BEGIN):
            out.append(lines[i])
            i += 1
            continue
        start = i
        region, i = _read_header(lines, i, where)
        while i < len(lines) and not lines[i].strip().startswith(END):
            if lines[i].strip().startswith(BEGIN):
                raise MarkerError(f"{where}:{i + 1}: nested BEGIN SOLUTION")
            i += 1
        if i == len(lines):
            raise MarkerError(f"{where}:{start + 1}: BEGIN SOLUTION without END")
        rendered = _render(region)
        out += rendered
        i += 1
        # A region that leaves nothing must not leave two blank lines either.
        if not rendered and out and not out[-1].strip() and i < len(lines) \
                and not lines[i].strip():
            i += 1
    return "\n".join(out)


def generate(src: Path) -> dict[str, str]:
    """Maps each file name in src to its skeleton text."""
    files: dict[str, str] = {}
    for path in sorted(src.iterdir()):
        if path.is_file():
            text = path.read_text()
            if path.suffix in (".c", ".h"):
                text = transform(text, str(path))
            files[path.name] = text
    return files


def check(files: dict[str, str], out: Path) -> list[str]:
    """Returns the differences between files and the directory out."""
    problems: list[str] = []
    present = {p.name for p in out.iterdir() if p.is_file()} if out.is_dir() else set()
    for name in sorted(present - files.keys()):
        problems.append(f"{out / name}: not generated from the solution (remove it)")
    for name, text in files.items():
        path = out / name
        if not path.exists():
            problems.append(f"{path}: missing")
            continue
        old = path.read_text()
        if old != text:
            diff = difflib.unified_diff(old.splitlines(), text.splitlines(),
                                        str(path), "generated", lineterm="", n=1)
            problems.append("\n".join(list(diff)[:40]))
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", default="solution", type=Path)
    ap.add_argument("--out", default="skeleton", type=Path)
    ap.add_argument("--check", action="store_true",
                    help="compare instead of writing; exit 1 when they differ")
    args = ap.parse_args()
    try:
        files = generate(args.src)
    except MarkerError as e:
        print(f"skelgen: {e}", file=sys.stderr)
        return 1
    if args.check:
        problems = check(files, args.out)
        for p in problems:
            print(p, file=sys.stderr)
        if problems:
            print(f"skelgen: {args.out}/ is not what the generator writes from "
                  f"{args.src}/: run 'make skeleton' and commit", file=sys.stderr)
            return 1
        print(f"skelgen: {args.out}/ matches {args.src}/")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for stale in set(p.name for p in args.out.iterdir() if p.is_file()) - files.keys():
        (args.out / stale).unlink()
    for name, text in files.items():
        (args.out / name).write_text(text)
    print(f"skelgen: wrote {len(files)} files to {args.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
