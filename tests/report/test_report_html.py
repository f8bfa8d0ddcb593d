"""The report file: its figures are the metrics', platform text is inert, nothing is remote."""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

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
        self.about: list[dict[str, str]] = []  # every data-* attribute of each figure
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
            self.about.append({k[5:]: v or "" for k, v in found.items() if k.startswith("data-")})


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


# Members' months of activity in 2021, and what they write (words and hashtags counted below).
ACTIVE = {"m1": (1, 2, 4), "m2": (1, 3), "m3": (2, 3), "m4": (2,), "m5": (4,)}
TEXTS = {
    "m1": "Le lac est magnifique #ValDeLune",
    "m2": "Quelle belle balade autour du lac ?",
    "m3": "Merci pour la balade #valdelune #rando",
    "m4": "The lake is beautiful, thank you",
    "m5": "Magnifique lumière sur le lac",
}


def _community(ws: Workspace, tmp_path: Path) -> None:
    rows = []
    for month in (1, 2, 3, 4):
        rows.append(msg(f"p{month}", None, "acc", f"2021-{month:02d}-01T09:00:00Z", "Le lac"))
        for member, months in ACTIVE.items():
            if month in months:
                at = f"2021-{month:02d}-10T10:00:00Z"
                rows.append(msg(f"{member}-{month}", f"p{month}", member, at, TEXTS[member]))
    load(ws, tmp_path, rows, accounts=[("mastodon", "acc")], name="x.csv")


def _uses(period: int, kind: str, term: str) -> int:
    """Member messages of the month using the term, counted plainly from the texts above."""
    count = 0
    for member, months in ACTIVE.items():
        text = unicodedata.normalize("NFKD", TEXTS[member].lower())
        text = "".join(c for c in text if not unicodedata.combining(c))  # lumière → lumiere
        found = re.findall(r"#\w+", text) if kind == "hashtags" else re.findall(r"\w+", text)
        count += period in months and term in found
    return count


def test_report_figures_are_the_metrics(ws: Workspace, tmp_path: Path) -> None:
    _community(ws, tmp_path)
    document = compute(ws)
    seen = Inventory()
    seen.feed(build_report(ws, tmp_path / "r.html", lang="fr").path.read_text(encoding="utf-8"))
    expected = {k: v for p in document["periods"] for k, v in p.items() if k != "period"}
    expected |= document["network"]
    expected["regular_members"] = document["regular_members"]
    new = {p["period"]: p["new_members"] for p in document["periods"]}
    # Cohorts worked out by hand (January: m1, m2; February: m3, m4; April: m5, not shown:
    # nothing follows it).
    returning = {
        ("2021-01", "1"): 0.5,  # m1 in February
        ("2021-01", "2"): 0.5,  # m2 in March
        ("2021-01", "3"): 0.5,  # m1 in April
        ("2021-02", "1"): 0.5,  # m3 in March
        ("2021-02", "2"): 0.0,
    }
    languages = dict(
        ws.con.execute(
            """SELECT coalesce(a.lang, ''), count(*) FROM annotations a
               JOIN messages m USING (platform, id) WHERE m.author_id <> 'acc' GROUP BY 1"""
        ).fetchall()
    )
    kinds: dict[str, int] = {}
    for about in seen.about:
        key, raw = about["key"], about["value"]
        kinds[key] = kinds.get(key, 0) + 1
        value: Any = float(raw) if raw else None
        if key == "cohort_members":
            assert int(raw) == new[about["cohort"]] and about["cohort"] in ("2021-01", "2021-02")
        elif key == "cohort_returning":
            assert value == returning[(about["cohort"], about["after"])], about
        elif key == "term_messages":
            month = int(about["period"][-2:])
            assert int(raw) == _uses(month, about["kind"], about["term"]), about
        elif key == "language_share":
            assert value == languages[about["lang"]] / sum(languages.values()), about
        else:
            values = [p[key] for p in document["periods"] if key in p] or [expected[key]]
            assert key in expected
            assert raw == "" and None in values or any(repr(v) == raw for v in values), key
    assert kinds["cohort_members"] == 2 and kinds["cohort_returning"] == len(returning)
    assert kinds["term_messages"] >= 10 and kinds["language_share"] == len(languages)
    assert kinds["positive_share"] >= 4 and kinds["regular_members"] == 1
    assert len(seen.figures) > 40


def test_demo_writes_its_report(tmp_path: Path) -> None:
    from lien import demo

    result = demo.build(tmp_path / "d", size=2_000)
    ((label, path),) = result.outputs
    assert label == "report" and path.exists()
    assert path.stat().st_size < 3_000_000
