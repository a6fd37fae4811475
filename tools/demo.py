#!/usr/bin/env python3
"""Shows the chat working: a server and three scripted clients.

    demo.py [--build build]

Starts build/server on a free port and three real client programs (alice,
bob and carol), types their lines for them, and prints what each one sees.
Each step waits for the output it causes, never for a fixed time.
"""
from __future__ import annotations

import argparse
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

WAIT = 10.0  # seconds any one step may take


class Person:
    """A client program whose input we type and whose output we watch."""

    def __init__(self, build: Path, port: int, name: str) -> None:
        self.name = name
        self.proc = subprocess.Popen([str(build / "client"), "127.0.0.1", str(port), name],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.pending = b""

    def type(self, line: str) -> None:
        print(f"  {self.name:>6} types  {line}")
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def see(self, pattern: str) -> str:
        """Waits until the client prints a line matching pattern; shows the
        lines it printed on the way."""
        deadline = time.monotonic() + WAIT
        fd = self.proc.stdout.fileno()
        while True:
            while b"\n" in self.pending:
                raw, _, self.pending = self.pending.partition(b"\n")
                line = raw.decode("utf-8", "replace")
                print(f"  {self.name:>6} sees   {line}")
                if re.search(pattern, line):
                    return line
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise SystemExit(f"demo: {self.name} never showed /{pattern}/")
            chunk = os.read(fd, 4096)
            if not chunk:
                raise SystemExit(f"demo: {self.name}'s client exited early")
            self.pending += chunk

    def leave(self) -> int:
        self.proc.stdin.close()
        rest = self.proc.stdout.read().decode("utf-8", "replace")
        for line in rest.splitlines():
            print(f"  {self.name:>6} sees   {line}")
        return self.proc.wait(WAIT)


def start_server(build: Path) -> tuple[subprocess.Popen, int]:
    server = subprocess.Popen([str(build / "server"), "0"], stdout=subprocess.PIPE)
    line = server.stdout.readline().decode()
    m = re.match(r"listening on port (\d+)", line)
    if not m:
        server.kill()
        raise SystemExit(f"demo: the server did not start: {line!r}")
    return server, int(m.group(1))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", type=Path, default=Path("build"))
    args = ap.parse_args()
    server, port = start_server(args.build)
    print(f"server: listening on port {port}\n")
    try:
        alice = Person(args.build, port, "alice")
        alice.see("connected")
        bob = Person(args.build, port, "bob")
        bob.see("connected")
        carol = Person(args.build, port, "carol")
        carol.see("connected")
        alice.type("/list")
        alice.see("alice.*bob|bob.*alice")
        alice.type("/msg bob hi bob, lunch at noon?")
        bob.see("alice: hi bob")
        bob.type("/msg alice sure, see you there")
        alice.see("bob: sure")
        carol.type("/msg dave are you there?")
        carol.see("dave")
        carol.type("/msg alice   spaces   are   kept   ")
        alice.see("carol:")
        print()
        codes = {p.name: p.leave() for p in (carol, bob, alice)}
        print(f"\nclients exited with {codes}")
    finally:
        server.terminate()
        status = server.wait(WAIT)
    print(f"server exited with status {status}")
    return 0 if status == 0 and not any(codes.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
