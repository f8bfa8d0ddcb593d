"""The report in a real headless Chromium (Debian's), driven by Playwright.

Nothing executes, nothing is requested, nothing overflows, every chart has marks.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lien import demo
from lien.report import build_report
from lien.workspace import Workspace

from ..browser import launched, skip_without_browser
from ..csv_community import load, msg

playwright = skip_without_browser()
pytestmark = pytest.mark.browser

PAYLOADS = [
    "<script>window.__pwned = 1</script>",
    '<img src="https://evil.example/x.png" onerror="window.__pwned = 2">',
    '<a href="javascript:window.__pwned = 3">clic</a>',
    "<style>body{background:url(https://evil.example/bg)}</style>",
    '<svg onload="window.__pwned = 4"><image href="https://evil.example/i"/></svg>',
    '"><iframe src=https://evil.example></iframe>',
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched(playwright) as b:
        yield b


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    built = demo.build(tmp_path_factory.mktemp("demo"), size=6_000)
    ((_, path),) = built.outputs
    return path


def _open(browser: Any, path: Path, width: int) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (errors.append("dialog: " + d.message), d.dismiss()))

    def route(r: Any) -> None:
        if r.request.url != path.as_uri():
            requests.append(r.request.url)
            r.abort()
        else:
            r.continue_()

    page.route("**/*", route)
    page.goto(path.as_uri())
    return page, errors, requests


@pytest.mark.parametrize("width", [1280, 390])
def test_demo_report_opens_cleanly(
    browser: Any, demo_report: Path, width: int, tmp_path: Path
) -> None:
    page, errors, requests = _open(browser, demo_report, width)
    assert errors == [] and requests == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    marks = page.evaluate(
        """[...document.querySelectorAll('figure svg')].map(
             s => s.querySelectorAll('path, line, rect, circle, symbol').length)"""
    )
    assert len(marks) >= 6 and all(n > 3 for n in marks)
    assert page.locator("#network circle").count() > 10
    # Belonging: members, retention and retention by cohort; Tone: its chart and its words.
    assert page.locator("#belonging figure svg").count() == 3
    assert page.locator("#tone figure svg").count() == 1
    assert page.locator("#tone [data-key=term_messages]").count() >= 10
    # Every headline has its trend; the network's labels are inside the picture, apart.
    headlines = page.locator(".headlines li")
    assert 4 <= headlines.count() <= 6
    assert page.locator(".headlines li .trend").count() == headlines.count()
    labels = page.evaluate(
        """(() => {
             const svg = document.querySelector('#network svg[viewBox]');
             const [, , w, h] = svg.getAttribute('viewBox').split(' ').map(Number);
             return [...svg.querySelectorAll('text')].map(t => {
               const b = t.getBBox(); return [b.x, b.y, b.x + b.width, b.y + b.height, w, h];
             });
           })()"""
    )
    assert labels
    for i, (x0, y0, x1, y1, w, h) in enumerate(labels):
        assert 0 <= x0 and x1 <= w and 0 <= y0 and y1 <= h, labels[i]
        for a in labels[i + 1 :]:
            assert x1 <= a[0] or a[2] <= x0 or y1 <= a[1] or a[3] <= y0, (labels[i], a)
    assert page.locator("#network-description p").count() >= 3
    # LIEN_REPORT_SHOTS=DIR keeps the screenshots, to look at them.
    folder = Path(os.environ.get("LIEN_REPORT_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    shot = folder / f"report-{width}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    page.close()


def test_demo_report_prints_on_a4(browser: Any, demo_report: Path, tmp_path: Path) -> None:
    """On paper (A4, 14 mm margins: 688 CSS pixels across), nothing runs off the page: the
    tables of figures keep their last six periods, the charts and the picture fit."""
    page, errors, requests = _open(browser, demo_report, 688)
    page.emulate_media(media="print")
    assert errors == [] and requests == []
    overflow = page.evaluate(
        """[...document.querySelectorAll('table, figure svg, #network svg[viewBox]')]
             .map(e => e.getBoundingClientRect())
             .filter(r => r.width > 0 && r.right > document.documentElement.clientWidth + 1)
             .length"""
    )
    assert overflow == 0
    shown = page.evaluate(
        """[...document.querySelectorAll('table.periods')].map(t =>
             [...t.rows[0].cells].filter(c => getComputedStyle(c).display !== 'none').length)"""
    )
    assert shown and all(n == 7 for n in shown)  # the metric's name and six periods
    folder = Path(os.environ.get("LIEN_REPORT_SHOTS") or tmp_path)
    page.screenshot(path=str(folder / "report-print.png"), full_page=True)
    page.close()


def test_hostile_text_executes_nothing_and_requests_nothing(
    browser: Any, ws: Workspace, tmp_path: Path
) -> None:
    rows = [msg("p", None, "acc", "2021-03-01T09:00:00Z", PAYLOADS[0], url="javascript:alert(9)")]
    for i, payload in enumerate(PAYLOADS):
        rows.append(
            msg(
                f"c{i}",
                "p",
                f"m{i}",
                f"2021-03-0{i + 1}T10:00:00Z",
                payload + " ?",
                handle=payload,
                name=payload,
                url=f"https://evil.example/{i}",
            )
        )
    load(ws, tmp_path, rows, [("mastodon", "acc")])
    ws.add_account("mastodon", "acc", name=PAYLOADS[1])
    path = build_report(ws, tmp_path / "hostile.html", lang="en", names=True).path
    page, errors, requests = _open(browser, path, 1280)
    assert page.evaluate("window.__pwned") is None
    assert errors == [] and requests == []
    assert page.locator("script, iframe, img, a[href^='javascript']").count() == 0
    # The members' links are web addresses: links, opened without opener nor referrer.
    links = page.locator("#inbox a")
    assert links.count() == len(PAYLOADS)
    for k in range(links.count()):
        assert (links.nth(k).get_attribute("href") or "").startswith("https://evil.example/")
        assert links.nth(k).get_attribute("rel") == "noopener noreferrer"
    assert PAYLOADS[0] in page.locator("#inbox").inner_text()  # shown as text
    page.close()


def test_pdf_and_email(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        msg("p", None, "acc", "2021-03-01T09:00:00Z", "Le lac"),
        msg("c", "p", "m1", "2021-03-01T10:00:00Z", "Horaires ?"),
        msg("r", "c", "acc", "2021-03-01T11:00:00Z", "10 h"),
    ]
    load(ws, tmp_path, rows, [("mastodon", "acc")])
    built = build_report(ws, tmp_path / "r.html", pdf=True, email=True)
    assert built.pdf is not None and built.pdf.read_bytes().startswith(b"%PDF")
    assert built.email is not None
    body = built.email.read_text(encoding="utf-8")
    assert "data:image/png;base64," in body and "<style" not in body
