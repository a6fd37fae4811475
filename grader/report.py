"""The grader's outputs: grades.csv, results.json, feedback files, report.html.

Every file is written atomically (to a temporary name, then renamed), so an
interrupted run never leaves a half-written grade book.
"""
from __future__ import annotations

import csv
import html
import io
import json
import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def totals(result: dict, rubric: dict) -> tuple[float, dict[int, float]]:
    per = {ex["id"]: 0.0 for ex in rubric["exercises"]}
    for t in result["results"]:
        per[t["exercise"]] += t.get("earned", 0.0)
    return sum(per.values()), per


def possible(rubric: dict) -> float:
    return sum(t["points"] for t in rubric["tests"])


def fmt(x: float) -> str:
    return f"{x:g}"


def grades_csv(results: list[dict], rubric: dict) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["id", "total"] + [f"ex{ex['id']} {ex['title']}" for ex in rubric["exercises"]])
    for r in results:
        total, per = totals(r, rubric)
        w.writerow([r["id"], fmt(total)] + [fmt(per[ex["id"]]) for ex in rubric["exercises"]])
    return buf.getvalue()


def feedback(result: dict, rubric: dict) -> str:
    """What the student reads: the notes, then score.py's own report, whose
    hidden tests already show their names only."""
    total, _ = totals(result, rubric)
    head = [f"Submission {result['id']}: {fmt(total)} of {fmt(possible(rubric))} points",
            f"Isolation: {result.get('isolation', '?')}"]
    head += [f"Note: {n}" for n in result.get("notes", [])]
    return "\n".join(head) + "\n\n" + result.get("feedback", "")


def autolab_scores(result: dict, rubric: dict) -> dict[str, float]:
    _, per = totals(result, rubric)
    return {f"ex{ex['id']}": per[ex["id"]] for ex in rubric["exercises"]}


def table(results: list[dict], rubric: dict) -> str:
    exs = rubric["exercises"]
    width = max([len(r["id"]) for r in results] + [10])
    lines = [f"{'id':<{width}} {'total':>7} " + " ".join(f"{'ex' + str(e['id']):>5}" for e in exs)
             + "  seconds"]
    for r in results:
        total, per = totals(r, rubric)
        lines.append(f"{r['id']:<{width}} {fmt(total):>7} "
                     + " ".join(f"{fmt(per[e['id']]):>5}" for e in exs)
                     + f"  {r.get('seconds', 0):>7}")
    lines.append(f"{'(possible)':<{width}} {fmt(possible(rubric)):>7} " + " ".join(
        f"{fmt(sum(t['points'] for t in rubric['tests'] if t['exercise'] == e['id'])):>5}"
        for e in exs))
    return "\n".join(lines)


def report_html(results: list[dict], rubric: dict, isolation: str) -> str:
    top = possible(rubric) or 1
    bins = [0] * 10
    for r in results:
        bins[min(9, int(totals(r, rubric)[0] / top * 10))] += 1
    most = max(bins) or 1
    bars = "".join(
        f"<div class='bar'><span>{i * 10}-{i * 10 + 9 if i < 9 else 100}%</span>"
        f"<i style='width:{b / most * 100:.0f}%'></i><b>{b}</b></div>" for i, b in enumerate(bins))
    rates = []
    for t in rubric["tests"]:
        runs = [x for r in results for x in r["results"] if x["id"] == t["id"]]
        passed = sum(x.get("outcome") == "passed" for x in runs)
        rate = passed / len(runs) * 100 if runs else 0
        rates.append(f"<tr><td>{t['exercise']}</td><td>{html.escape(t['id'])}</td>"
                     f"<td>{rate:.0f}%</td></tr>")
    slow = sorted(results, key=lambda r: -r.get("seconds", 0))[:10]
    slowest = "".join(f"<tr><td>{html.escape(r['id'])}</td><td>{r.get('seconds', 0)} s</td></tr>"
                      for r in slow)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>chatlab grades</title><style>
body {{ font-family: sans-serif; max-width: 60em; margin: 2em auto; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ccc; padding: 2px 8px; }}
.bar {{ display: flex; align-items: center; gap: 8px; margin: 2px 0; }}
.bar span {{ width: 6em; text-align: right; }} .bar i {{ background: #4a7fc1; height: 1em; display: inline-block; }}
</style></head><body>
<h1>chatlab grades</h1>
<p>{len(results)} submissions, {fmt(top)} points possible. Isolation: {html.escape(isolation)}.</p>
<h2>Totals</h2>{bars}
<h2>Pass rate of every test</h2><table><tr><th>ex</th><th>test</th><th>passed</th></tr>{''.join(rates)}</table>
<h2>Slowest submissions</h2><table><tr><th>id</th><th>time</th></tr>{slowest}</table>
</body></html>
"""


def write_all(out: Path, results: list[dict], rubric: dict, isolation: str) -> None:
    write_atomic(out / "grades.csv", grades_csv(results, rubric))
    public = [{k: v for k, v in r.items() if k != "feedback"} for r in results]
    write_atomic(out / "results.json", json.dumps(public, indent=1))
    for r in results:
        write_atomic(out / "feedback" / f"{r['id']}.txt", feedback(r, rubric))
    write_atomic(out / "report.html", report_html(results, rubric, isolation))
