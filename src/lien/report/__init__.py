"""The report: one self-contained HTML file an elected official can read in five minutes.

`gather` collects the figures from the library, `render` lays them out with autoescaped
templates, charts are Vega-Lite rendered offline to inline SVG. The file loads nothing: its
Content-Security-Policy forbids every remote request, so it works from an email attachment,
offline, years later. `--pdf` prints it with headless Chromium; `--email` writes a light body.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import LienError
from .gather import gather
from .render import render_email, render_html

if TYPE_CHECKING:
    from ..workspace import Workspace

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@dataclass
class Report:
    path: Path
    document: dict[str, Any]
    pdf: Path | None = None
    email: Path | None = None


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise LienError(
        "the PDF is printed by Chromium, which is not installed: "
        "`sudo apt install chromium` (Debian, Ubuntu), then run the command again"
    )


def print_pdf(html: Path, pdf: Path) -> None:
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [
                chromium(),
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                "--no-pdf-header-footer",
                f"--print-to-pdf={pdf}",
                html.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    if done.returncode != 0 or not pdf.exists():
        raise LienError(f"Chromium could not print {html} to PDF: {done.stderr.strip()[-300:]}")


def build_report(
    ws: Workspace,
    out: Path,
    lang: str | None = None,
    period: str = "month",
    since: str | None = None,
    until: str | None = None,
    names: bool = False,
    compare: tuple[tuple[str, str], tuple[str, str]] | None = None,
    pdf: bool = False,
    email: bool = False,
    now: datetime | None = None,
) -> Report:
    data = gather(ws, lang or ws.lang, period, since, until, names, compare, now)
    out.write_text(render_html(data), encoding="utf-8")
    report = Report(out, data.document)
    if pdf:
        report.pdf = out.with_suffix(".pdf")
        print_pdf(out, report.pdf)
    if email:
        report.email = out.with_name(out.stem + "-email.html")
        report.email.write_text(render_email(data), encoding="utf-8")
    return report
