"""The report file: its figures are the metrics', platform text is inert, nothing is remote."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from lien.metrics import compute
from lien.report import build_report
from lien.workspace import Workspace

from ..csv_community import load, msg

HOSTILE = [
    msg("p", None, "acc", "2021-03-01T09:00:00Z", "<script>alert(1)</script>"),
    msg("c", "p", "m1", "2021-03-01T10:00:00Z", '<img src=x onerror="alert(2)"> ?'),
    msg("r", "c", "acc", "2021-03-01T11:00:00Z", "<a href='javascript:alert(3)'>x</a>"),
    msg("d", "p", "m2", "2021-04-02T10:00:00Z", "<style>body{background:url(//evil)}</style>"),
]


class Inventory(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[str] = []
        self.handlers: list[str] = []
        self.figures: list[tuple[str, str]] = []
        self.csp: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        found = dict(attrs)
        self.handlers += [k for k in found if k.startswith("on")]
        self.urls += [v or "" for k, v in attrs if k in ("src", "href", "action")]
        if tag == "meta" and found.get("http-equiv") == "Content-Security-Policy":
            self.csp.append(found.get("content") or "")
        if "data-key" in found:
            self.figures.append((found["data-key"] or "", found.get("data-value") or ""))


def test_report_is_inert_and_offline(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, HOSTILE, accounts=[("mastodon", "acc")], name="x.csv")
    ws.add_account("mastodon", "acc", name="<b>Office</b>")
    out = build_report(ws, tmp_path / "r.html", lang="en").path
    page = out.read_text(encoding="utf-8")
    seen = Inventory()
    seen.feed(page)
    assert "script" not in seen.tags and seen.handlers == [] and seen.urls == []
    assert seen.tags.count("style") == 1  # lien's own
    assert seen.csp and seen.csp[0].startswith("default-src 'none'")
    assert "&lt;b&gt;Office&lt;/b&gt;" in page
    assert "<style>body{background" not in page and "&lt;style&gt;body{background" in page


def test_report_figures_are_the_metrics(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, HOSTILE, accounts=[("mastodon", "acc")], name="x.csv")
    document = compute(ws)
    seen = Inventory()
    seen.feed(build_report(ws, tmp_path / "r.html", lang="fr").path.read_text(encoding="utf-8"))
    expected = {k: v for p in document["periods"] for k, v in p.items() if k != "period"}
    expected |= document["network"]
    assert len(seen.figures) > 40
    for key, raw in seen.figures:
        values = [p[key] for p in document["periods"] if key in p] or [document["network"][key]]
        assert key in expected
        assert raw == "" and None in values or any(repr(v) == raw for v in values), key


def test_demo_writes_its_report(tmp_path: Path) -> None:
    from lien import demo

    result = demo.build(tmp_path / "d", size=2_000)
    ((label, path),) = result.outputs
    assert label == "report" and path.exists()
    assert path.stat().st_size < 3_000_000
