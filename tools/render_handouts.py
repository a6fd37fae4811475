#!/usr/bin/env python3
"""Renders handouts/*.md to HTML and PDF.

    render_handouts.py [--out build/handouts] [--check]

Each page becomes a standalone HTML file (links between pages point to .html)
and a PDF. The `<!-- rubric -->` placeholder becomes the rubric table, built
from tests/rubric.json, so the handout and the grader never disagree. Needs
Debian's python3-markdown and weasyprint.
"""
from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import sys
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
CSS = """
body { font-family: 'DejaVu Sans', Helvetica, Arial, sans-serif; max-width: 52em;
       margin: 2em auto; padding: 0 1em; line-height: 1.5; color: #222; }
h1, h2, h3 { line-height: 1.2; } h2 { border-bottom: 1px solid #ddd; }
code, pre { font-family: 'DejaVu Sans Mono', monospace; font-size: 0.9em; }
pre { background: #f6f8fa; padding: 0.8em; overflow-x: auto; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
img { max-width: 100%; }
@page { size: A4; margin: 1.6cm; }
"""


def rubric_table() -> str:
    rubric = json.loads((KIT / "tests/rubric.json").read_text())
    rows = ["| exercise | tests | points |", "| --- | --- | --- |"]
    total = 0.0
    for ex in rubric["exercises"]:
        mine = [t for t in rubric["tests"] if t["exercise"] == ex["id"]]
        public = [t for t in mine if not t.get("hidden")]
        hidden = [t for t in mine if t.get("hidden")]
        points = sum(t["points"] for t in mine)
        total += points
        count = f"{len(public)}" + (f" (+{len(hidden)} hidden)" if hidden else "")
        shown = f"{points:g}" if mine else "to be announced"
        rows.append(f"| {ex['id']}. {ex['title']} | {count} | {shown} |")
    rows.append(f"| **total** | | **{total:g}** |")
    return "\n".join(rows)


def to_html(md_text: str, title: str) -> str:
    import markdown  # Debian: python3-markdown
    body = markdown.markdown(md_text.replace("<!-- rubric -->", rubric_table()),
                             extensions=["tables", "fenced_code", "toc"])
    body = re.sub(r'href="([^":]+)\.md(#[^"]*)?"', r'href="\1.html\2"', body)
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{CSS}</style></head>"
            f"<body>\n{body}\n</body></html>\n")


def render(out: Path) -> list[Path]:
    try:
        import markdown  # noqa: F401
        import weasyprint
    except ImportError as e:
        raise SystemExit(f"render_handouts: {e.name} is missing: install Debian's "
                         "python3-markdown and weasyprint (tools/install-deps.sh)")
    out.mkdir(parents=True, exist_ok=True)
    made = []
    for asset in (KIT / "handouts").glob("*.svg"):
        shutil.copy(asset, out / asset.name)
    for page in sorted((KIT / "handouts").glob("*.md")):
        text = page.read_text()
        title = text.splitlines()[0].lstrip("# ") if text else page.stem
        html_path = out / f"{page.stem}.html"
        html_path.write_text(to_html(text, title))
        pdf_path = out / f"{page.stem}.pdf"
        weasyprint.HTML(filename=str(html_path), base_url=str(out)).write_pdf(str(pdf_path))
        made += [html_path, pdf_path]
    return made


def check(paths: list[Path]) -> list[str]:
    problems = []
    for p in paths:
        data = p.read_bytes()
        if p.suffix == ".pdf" and not (data.startswith(b"%PDF") and b"/Type /Page" in data):
            problems.append(f"{p}: not a PDF with pages")
        if p.suffix == ".html" and b"</body>" not in data:
            problems.append(f"{p}: incomplete HTML")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=KIT / "build/handouts")
    ap.add_argument("--check", action="store_true", help="verify what was rendered")
    args = ap.parse_args()
    made = render(args.out)
    problems = check(made) if args.check else []
    for p in problems:
        print(f"render_handouts: {p}", file=sys.stderr)
    print(f"render_handouts: {len(made)} files in {args.out}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
