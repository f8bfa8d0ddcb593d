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
ACTIVE = {"m1": (1, 2, 4), "m2": (1, 3), "m3": (2, 3), "m4": (2,), "m5": (4,), "m6": (4,)}
TEXTS = {
    "m1": "Le lac est magnifique #ValDeLune",
    "m2": "Quelle belle balade autour du lac ?",
    "m3": "Merci pour la balade #valdelune #rando",
    "m4": "The lake is beautiful, thank you",
    "m5": "Magnifique lumière sur le lac",
    "m6": "Vue superbe depuis le col",
}
# In March m3 answers m2 (an exchange between members) and the account answers m2 after 2 h;
# in April the account answers m1 after 5 h; m5 and m6 wait.
PARENT = {("m3", 3): "m2-3"}
ANSWERS = [("a3", "m2-3", "2021-03-10T12:00:00Z"), ("a4", "m1-4", "2021-04-10T15:00:00Z")]


def _community(ws: Workspace, tmp_path: Path) -> None:
    rows = []
    for month in (1, 2, 3, 4):
        rows.append(msg(f"p{month}", None, "acc", f"2021-{month:02d}-01T09:00:00Z", "Le lac"))
        for member, months in ACTIVE.items():
            if month in months:
                parent = PARENT.get((member, month), f"p{month}")
                hour = 11 if parent != f"p{month}" else 10
                at = f"2021-{month:02d}-10T{hour}:00:00Z"
                rows.append(msg(f"{member}-{month}", parent, member, at, TEXTS[member]))
    rows += [msg(i, parent, "acc", at, "Merci !") for i, parent, at in ANSWERS]
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


class Headlines(HTMLParser):
    """The first screen: per headline, its figures (key, period, raw value) and its trend."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, Any]] = []
        self.inside = False
        self.trend: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "ul" and found.get("class") == "headlines":
            self.inside = True
        elif self.inside and tag == "li":
            self.lines.append({"figures": [], "trend": None})
        elif self.inside and "data-key" in found:
            self.lines[-1]["figures"].append(found)
        elif self.inside and "data-trend" in found:
            self.trend = found | {"text": ""}
            self.lines[-1]["trend"] = self.trend

    def handle_endtag(self, tag: str) -> None:
        if tag == "ul":
            self.inside = False
        if tag == "span":
            self.trend = None

    def handle_data(self, data: str) -> None:
        if self.trend is not None:
            self.trend["text"] += data


def test_report_figures_are_the_metrics(ws: Workspace, tmp_path: Path) -> None:
    """Every figure shown is the `lien metrics --json` value of its own period and key: a
    figure under the wrong period (or a period's figure shown without one) fails."""
    _community(ws, tmp_path)
    document = compute(ws)
    seen = Inventory()
    seen.feed(build_report(ws, tmp_path / "r.html", lang="fr").path.read_text(encoding="utf-8"))
    by_period = {p["period"]: p for p in document["periods"]}
    period_keys = set(document["periods"][0]) - {"period"}
    window = dict(document["network"], regular_members=document["regular_members"])
    new = {p["period"]: p["new_members"] for p in document["periods"]}
    # Cohorts worked out by hand (January: m1, m2; February: m3, m4; April: m5, m6, not
    # shown: nothing follows it).
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
        elif key in period_keys:
            assert "period" in about, about  # a period's figure says which period it is
            expected = by_period[about["period"]][key]
            assert raw == ("" if expected is None else repr(expected)), about
        else:
            assert "period" not in about and key in window, about
            assert raw == ("" if window[key] is None else repr(window[key])), about
    assert kinds["cohort_members"] == 2 and kinds["cohort_returning"] == len(returning)
    assert kinds["term_messages"] >= 10 and kinds["language_share"] == len(languages)
    assert kinds["positive_share"] >= 4 and kinds["regular_members"] == 1
    assert len(seen.figures) > 40


def _points(now: float, before: float) -> str:
    points = round(100 * (now - before))
    if points == 0:
        return "à peu près comme en mars 2021"
    word = "point" if abs(points) < 2 else "points"  # French: singular below 2
    return f"{abs(points)} {word} de {'mieux' if points > 0 else 'moins'} qu'en mars 2021"


def test_headlines_are_the_latest_period_with_their_trend(ws: Workspace, tmp_path: Path) -> None:
    """The first screen's figures are April's (the latest period), and each headline's trend
    compares April with March (the previous one), in points, hours or a percentage."""
    _community(ws, tmp_path)
    document = compute(ws)
    april, march = document["periods"][-1], document["periods"][-2]
    assert (april["period"], march["period"]) == ("2021-04", "2021-03")
    page = build_report(ws, tmp_path / "r.html", lang="fr").path.read_text(encoding="utf-8")
    seen = Headlines()
    seen.feed(page)
    assert 4 <= len(seen.lines) <= 6
    # By construction: April, one of three addressed messages answered, after 5 h; March, the
    # one addressed message answered after 2 h. Active: m1, m5, m6 in April; m2, m3 in March.
    assert (april["response_rate"], april["ttfr_median_h"]) == (1 / 3, 5.0)
    assert (march["response_rate"], march["ttfr_median_h"]) == (1.0, 2.0)
    assert (april["active_members"], march["active_members"]) == (3, 2)
    trends = {}
    for line in seen.lines:
        for f in line["figures"]:
            assert f["data-period"] == "2021-04", f
            expected = april[f["data-key"]]
            assert f["data-value"] == ("" if expected is None else repr(expected)), f
        trend = line["trend"]
        assert trend is not None, line  # every headline has its trend
        assert (trend["data-period"], trend["data-previous"]) == ("2021-04", "2021-03")
        keys = trend["data-trend"].split()
        changes = trend["data-change"].split(";")
        for key, change in zip(keys, changes, strict=True):
            assert change == repr(april[key] - march[key]), (key, change)
        trends[keys[0]] = trend["text"]
    assert set(trends) >= {"response_rate", "active_members", "horizontality", "retention"}
    # Rates in points, the time in hours, members as a percentage: French words and numbers.
    assert trends["response_rate"] == (
        "67 points de moins qu'en mars 2021, délai allongé de 3 h"  # 33 % against 100 %
    )
    assert trends["active_members"] == "50\xa0% de plus qu'en mars 2021"
    for key in ("horizontality", "retention", "positive_share"):
        if key in trends:
            expected = _points(april[key], march[key])
            assert trends[key] == expected[0].upper() + expected[1:], key


def test_a_single_period_says_so(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        msg("p", None, "acc", "2021-03-01T09:00:00Z", "Le lac"),
        msg("c", "p", "m1", "2021-03-01T10:00:00Z", "Horaires ?"),
        msg("r", "c", "acc", "2021-03-01T11:00:00Z", "10 h"),
    ]
    load(ws, tmp_path, rows, [("mastodon", "acc")])
    page = build_report(ws, tmp_path / "r.html", lang="en").path.read_text(encoding="utf-8")
    seen = Headlines()
    seen.feed(page)
    assert seen.lines and all(line["trend"] is None for line in seen.lines)
    assert "March 2021 is the first period with activity in this window" in page


def test_demo_writes_its_report(tmp_path: Path) -> None:
    from lien import demo

    result = demo.build(tmp_path / "d", size=2_000)
    ((label, path),) = result.outputs
    assert label == "report" and path.exists()
    assert path.stat().st_size < 3_000_000
