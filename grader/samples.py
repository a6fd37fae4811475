#!/usr/bin/env python3
"""Writes the grader's sample submissions, made from the solution and the
skeleton at run time (so no solution code is stored twice):

    samples.py OUTDIR                 write them
    samples.py --check GRADES.csv     exit 1 unless each got its expected total

  solution.tar.gz     the reference, as `make submit` packs it: full marks
  skeleton/           the untouched skeleton (a directory): nothing
  no-compile.tar.gz   a client that does not compile: exercise 6 and the
                      client tests lose, the list, protocol and server keep
  hangs.tar.gz        a client that never exits at end of input (it spins)
  crash-on-msg.tar.gz a server that crashes on the first /msg
  own-layout/         the solution in a layout of its own, with its own
                      Makefile: graded black-box
"""
from __future__ import annotations

import io
import re
import shutil
import sys
import tarfile
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
FILES = ["list.c", "protocol.c", "lineio.c", "server.c", "client.c"]

EDITS = {
    "no-compile": ("client.c", "static void *input_thread(void *arg)\n{",
                   "static void *input_thread(void *arg)\n{\n\tthis does not compile;"),
    "hangs": ("client.c", "\t\tif (st != LINEIO_LINE) {",
              "\t\tif (st == LINEIO_EOF)\n\t\t\tcontinue; /* BUG: spins at end of input */\n"
              "\t\tif (st != LINEIO_LINE) {"),
    "crash-on-msg": ("server.c", "\tstruct client *to = list_find(clients, cmd->name, cmd->name_len);",
                     "\tstruct client *to = list_find(clients, cmd->name, cmd->name_len);\n"
                     "\t*(volatile int *)0 = 1; /* BUG: crashes */"),
}

OWN_MAKEFILE = """CFLAGS = -O2 -pthread -std=gnu11
all: server client
server: chat_server.c chat_list.c chat_proto.c chat_io.c chat_net.c
\tcc $(CFLAGS) -o $@ $^
client: chat_client.c chat_proto.c chat_io.c chat_net.c
\tcc $(CFLAGS) -o $@ $^
"""
OWN_NAMES = {"list": "chat_list", "protocol": "chat_proto", "lineio": "chat_io",
             "net": "chat_net", "server": "chat_server", "client": "chat_client"}


def pack(out: Path, name: str, files: dict[str, str]) -> None:
    with tarfile.open(out / f"{name}.tar.gz", "w:gz") as tar:
        for fname, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"src/{fname}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def solution_files() -> dict[str, str]:
    return {f: (KIT / "solution" / f).read_text() for f in FILES}


def own_layout(dest: Path) -> None:
    """The solution renamed into a layout of its own, as the original
    assignment allowed: flat files, its own names, its own Makefile."""
    dest.mkdir(parents=True)
    for path in (KIT / "solution").iterdir():
        stem, ext = path.stem, path.suffix
        text = path.read_text()
        for old, new in OWN_NAMES.items():
            text = re.sub(rf'#include "{old}\.h"', f'#include "{new}.h"', text)
        (dest / f"{OWN_NAMES[stem]}{ext}").write_text(text)
    (dest / "Makefile").write_text(OWN_MAKEFILE)


# What each sample must score, and why (the rubric has 132 points, 6 hidden).
EXPECTED = {
    "solution": 132,       # everything
    "skeleton": 0,         # nothing
    "no-compile": 125,     # all but the client's 7
    "hangs": 131,          # all but the end-of-input test
    "crash-on-msg": 99,    # what needs no /msg
    "own-layout": 82,      # black-box: no unit tests, no ThreadSanitizer build
}


def check(grades: Path) -> int:
    import csv
    got = {row["id"]: float(row["total"]) for row in csv.DictReader(grades.open())}
    bad = [f"{k}: expected {v}, got {got.get(k)}" for k, v in EXPECTED.items()
           if got.get(k) != v]
    for line in bad:
        print(f"samples: {line}", file=sys.stderr)
    print("samples: every sample got its expected score" if not bad else
          "samples: some samples did not get their expected score")
    return 1 if bad else 0


def main() -> int:
    if sys.argv[1] == "--check":
        return check(Path(sys.argv[2]))
    out = Path(sys.argv[1])
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    pack(out, "solution", solution_files())
    for name, (fname, old, new) in EDITS.items():
        files = solution_files()
        if old not in files[fname]:
            raise SystemExit(f"samples: {name}: the solution changed; update the edit")
        files[fname] = files[fname].replace(old, new, 1)
        pack(out, name, files)
    shutil.copytree(KIT / "skeleton", out / "skeleton")
    own_layout(out / "own-layout")
    print(f"samples: wrote {len(list(out.iterdir()))} samples to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
