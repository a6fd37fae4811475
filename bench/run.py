#!/usr/bin/env python3
"""The standard benchmark: runs loadgen against a chat server, prints a table,
writes results.json and latency.svg.

    run.py --server build/server --loadgen build/bench/loadgen --out build/bench

Runs, each against a fresh server:
  10k      10,000 idle clients + 100 pairs (1 in flight) + /list timing
  pairs-N  N pairs, 1 message in flight, for N in 10 50 100 200 (the plot)
  slow     100 pairs while one client stops reading and another floods it
  ngircd   100 pairs, 1 in flight, against ngircd (flood penalty off), if installed
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SECONDS = 3
NGIRCD_CONF = """[Global]
Name = bench.invalid
Info = chatlab benchmark
Listen = 127.0.0.1
Ports = {port}
[Limits]
MaxConnections = 0
MaxConnectionsIP = 0
MaxJoins = 0
MaxPenaltyTime = 0
PingTimeout = 600
PongTimeout = 600
[Options]
DNS = no
Ident = no
PAM = no
"""


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_chat(server: Path) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen([str(server), "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    line = proc.stdout.readline().decode()
    m = re.match(r"listening on port (\d+)", line)
    if not m:
        proc.kill()
        raise RuntimeError(f"{server} did not start: {line!r}")
    return proc, int(m.group(1))


def start_ngircd(tmp: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    conf = tmp / "ngircd.conf"
    conf.write_text(NGIRCD_CONF.format(port=port))
    proc = subprocess.Popen(["ngircd", "-n", "-f", str(conf)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import socket
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # ngircd prints nothing when ready
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("ngircd did not start")


def run_one(name: str, start, loadgen: Path, args: list[str]) -> dict:
    """Starts a server with start(), runs loadgen against it, stops it."""
    try:
        proc, port = start()
    except RuntimeError as e:
        return {"run": name, "error": str(e)}
    try:
        out = subprocess.run([str(loadgen), "-p", str(port), "-P", str(proc.pid), *args],
                             capture_output=True, text=True, timeout=150)
        lines = out.stdout.strip().splitlines()
        result = json.loads(lines[-1]) if lines else {"error": out.stderr[-300:]}
    except subprocess.TimeoutExpired:
        result = {"error": "loadgen did not finish within 150 s"}
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
    result["run"] = name
    return result


def table(results: list[dict]) -> str:
    head = (f"{'run':<12} {'clients':>7} {'reg/s':>8} {'msgs/s':>9} {'p50 us':>8} "
            f"{'p99 us':>8} {'max us':>8} {'/list ms':>8} {'RSS MiB':>8} {'threads':>7}")
    rows = [head, "-" * len(head)]
    for r in results:
        if "error" in r:
            rows.append(f"{r['run']:<12} FAILED: {r['error']}")
            continue
        rows.append(f"{r['run']:<12} {r['clients']:>7} {r['register_per_s']:>8.0f} "
                    f"{r['msgs_per_s']:>9.0f} {r['p50_us']:>8.0f} {r['p99_us']:>8.0f} "
                    f"{r['max_us']:>8.0f} {r['list_ms'] or 0:>8.2f} {r['rss_mib']:>8.1f} "
                    f"{r['threads']:>7}")
    return "\n".join(rows)


def plot(results: list[dict], out: Path) -> Path | None:
    """Latency against load (messages per second) with gnuplot, as SVG."""
    if shutil.which("gnuplot") is None:
        return None
    sweep = [r for r in results if r["run"].startswith("pairs-") and "error" not in r]
    if not sweep:
        return None
    data = out / "sweep.dat"
    data.write_text("".join(f"{r['pairs']} {r['p50_us']} {r['p99_us']} {r['msgs_per_s']}\n"
                            for r in sweep))
    irc = [r for r in results if r["run"] == "ngircd" and "error" not in r]
    ref = out / "ngircd.dat"
    ref.write_text("".join(f"{r['pairs']} {r['p50_us']} {r['p99_us']}\n" for r in irc))
    svg = out / "latency.svg"
    script = f"""set terminal svg size 720,440 dynamic font 'sans,12' background rgb 'white'
set output '{svg}'
set title 'Delivery latency against load (1 message in flight per pair)'
set xlabel 'sender/receiver pairs'
set ylabel 'latency (microseconds)'
set logscale y
set key bottom right
set xrange [0:230]
set grid
plot '{data}' using 1:2 with linespoints title 'server p50', \\
     '{data}' using 1:3 with linespoints title 'server p99', \\
     '{data}' using 1:3:(sprintf('%.0fk msg/s', $4/1000)) with labels offset 0,1 notitle""" + \
        (f""", \\
     '{ref}' using 1:3 with points pt 7 ps 1.5 title 'ngircd p99'""" if irc else "") + "\n"
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    return svg


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--server", type=Path, required=True)
    ap.add_argument("--loadgen", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=Path("build/bench"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    chat = lambda: start_chat(args.server)  # noqa: E731
    s = str(SECONDS)
    results = [run_one("10k", chat, args.loadgen,
                       ["-i", "10000", "-n", "100", "-w", "1", "-s", s, "-l", "20"])]
    for n in (10, 50, 100, 200):
        if "error" in results[0]:
            break  # a server that cannot register will not do better here
        results.append(run_one(f"pairs-{n}", chat, args.loadgen,
                               ["-n", str(n), "-w", "1", "-s", s]))
    if "error" not in results[0]:
        results.append(run_one("slow", chat, args.loadgen, ["-n", "100", "-w", "1", "-s", s, "-S"]))
    if shutil.which("ngircd"):
        with tempfile.TemporaryDirectory() as tmp:
            results.append(run_one("ngircd", lambda: start_ngircd(Path(tmp)), args.loadgen,
                                   ["-n", "100", "-w", "1", "-s", s, "--irc"]))
    print(table(results))
    tmp = args.out / "results.json.tmp"
    tmp.write_text(json.dumps({"server": str(args.server), "results": results}, indent=1))
    tmp.replace(args.out / "results.json")
    svg = plot(results, args.out)
    print(f"\nfigures: {args.out / 'results.json'}" + (f"; plot: {svg}" if svg else ""))
    failed = [r for r in results if "error" in r and r["run"] != "ngircd"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
