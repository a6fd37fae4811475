#!/usr/bin/env python3
"""One scripted chat client for the Docker demo, in a container of its own.

    demo-client.py HOST PORT NAME PEER

Runs the real client binary as NAME against the server at HOST:PORT, waits
until PEER is online, sends PEER a message naming this container, waits for
PEER's message, and quits. Prints what it sees; exits 0 when both messages
crossed. Every wait is bounded.
"""
import os
import select
import socket
import subprocess
import sys
import time

WAIT = 60.0


def wait_for_server(host: str, port: int) -> None:
    """The server container may still be starting: retry, within WAIT."""
    deadline = time.monotonic() + WAIT
    while True:
        try:
            socket.create_connection((host, port), timeout=2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                sys.exit(f"demo: no server at {host}:{port}")
            time.sleep(0.5)


def main() -> int:
    host, port, name, peer = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    build = os.environ.get("CHATLAB_BUILD", "/tmp/build")
    wait_for_server(host, port)
    client = subprocess.Popen([f"{build}/client", host, str(port), name],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    out, deadline = b"", time.monotonic() + WAIT
    sent = False
    me = socket.gethostname()
    while time.monotonic() < deadline:
        lines = out.decode("utf-8", "replace").splitlines()
        if not sent and any(peer in l for l in lines if l.startswith("online:")):
            msg = f"/msg {peer} hello {peer}, this is {name} on host {me}\n"
            client.stdin.write(msg.encode())
            client.stdin.flush()
            sent = True
        if sent and any(l.startswith(f"{peer}: hello {name}") for l in lines):
            break
        if not sent:
            client.stdin.write(b"/list\n")  # is the peer here yet?
            client.stdin.flush()
        ready, _, _ = select.select([client.stdout], [], [], 0.5)
        if ready:
            chunk = os.read(client.stdout.fileno(), 4096)
            if not chunk:
                break
            for line in chunk.decode("utf-8", "replace").splitlines():
                if not line.startswith("online:") or peer in line:
                    print(f"{name} sees: {line}", flush=True)
            out += chunk
    crossed = any(l.startswith(f"{peer}: hello {name}")
                  for l in out.decode("utf-8", "replace").splitlines())
    client.stdin.close()
    status = client.wait(WAIT)
    print(f"{name}: {'message from ' + peer + ' received' if crossed else 'NO message from ' + peer}; "
          f"client exited {status}", flush=True)
    return 0 if crossed and status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
