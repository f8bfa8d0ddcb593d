"""The report's sections beyond the figures: the network picture's text alternative, inbox
links, the comparison's differences and intervals, and the known gaps of the data."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

from lien.report import build_report
from lien.report.i18n import Locale
from lien.report.render import compare_rows, web_link
from lien.workspace import Workspace

from ..csv_community import load, msg


def _section(page: str, name: str) -> str:
    found = re.search(rf'<section id="{name}"[^>]*>(.*?)</section>', page, re.S)
    assert found, name
    return found.group(1)


def _text(html: str) -> str:
    return re.sub(r"[ \t\r\n]+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


# --- the network picture's text alternative ------------------------------------------------

SMALL = [
    msg("p1", None, "acc", "2021-03-01T09:00:00Z", "Le lac", handle="office"),
    # m1 and m2 talk under the account's post; so do m3 and m4, apart from them.
    msg("c1", "p1", "m1", "2021-03-01T10:00:00Z", "Beau"),
    msg("r1", "c1", "m2", "2021-03-01T11:00:00Z", "Oui"),
    msg("r2", "r1", "m1", "2021-03-01T12:00:00Z", "Merci"),
    msg("c2", "p1", "m3", "2021-03-02T10:00:00Z", "Où ?"),
    msg("r3", "c2", "m4", "2021-03-02T11:00:00Z", "Au nord"),
    msg("r4", "c2", "acc", "2021-03-02T12:00:00Z", "Au nord", handle="office"),
]


def test_network_picture_has_a_text_alternative(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, SMALL, [("mastodon", "acc")])
    page = build_report(ws, tmp_path / "r.html", lang="en").path.read_text(encoding="utf-8")
    network = _section(page, "network")
    svg = re.search(r"<svg viewBox[^>]*>", network)
    assert svg and 'role="img"' in svg.group(0)
    assert 'aria-describedby="network-description"' in svg.group(0)
    assert '<title id="network-title">The network: who talks with whom</title>' in network
    described = re.search(r'<div id="network-description">(.*?)</div>', network, re.S)
    assert described
    text = _text(described.group(1))
    # Worked out by hand: 4 members, all drawn; ties m1–acc, m1–m2, m3–acc, m3–m4; two
    # communities of two (m1 m2, m3 m4); the account is tied to m1 and m3, one in each.
    assert "draws 4 of the 4 members" in text and "4 ties link the people" in text
    assert text.count("2 members drawn, of a community of 2") == 2
    assert "blue: 2 members drawn" in text and "orange: 2 members drawn" in text
    assert "mastodon · office has ties with 2 people (2 of them drawn), in 2 of the 2" in text
    assert "50% of all ties include the account." in text  # 2 of the 4 ties
    french = build_report(ws, tmp_path / "fr.html", lang="fr").path.read_text(encoding="utf-8")
    text = _text(_section(french, "network"))
    assert "L'image montre 4 des 4 membres" in text and "bleu : 2 membres dessinés" in text
    assert "50\xa0% des liens incluent le compte." in text


# --- inbox links ---------------------------------------------------------------------------


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.append({k: v or "" for k, v in attrs})


def test_inbox_links_only_web_addresses(ws: Workspace, tmp_path: Path) -> None:
    web = ["https://www.facebook.com/office/posts/1?comment=2", "HTTP://Example.org/A"]
    other = ["javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://example.org/f", "http:///x"]
    rows = [msg("p", None, "acc", "2021-03-01T09:00:00Z", "Le lac", platform="facebook")]
    for i, url in enumerate(web + other):
        at = f"2021-03-0{i + 2}T10:00:00Z"
        rows.append(msg(f"c{i}", "p", f"m{i}", at, "Horaires ?", platform="facebook", url=url))
    load(ws, tmp_path, rows, [("facebook", "acc")])
    page = build_report(ws, tmp_path / "r.html", lang="en", names=True).path
    inbox = _section(page.read_text(encoding="utf-8"), "inbox")
    seen = Links()
    seen.feed(inbox)
    assert sorted(a["href"] for a in seen.links) == sorted(web)
    assert all(a["rel"] == "noopener noreferrer" for a in seen.links)
    text = _text(inbox)
    for url in other:
        assert url in text  # shown, as text
    assert "<b>x</b>" not in inbox  # and escaped
    assert web_link(" https://example.org") is None and web_link("https://a.b/\tc") is None
    assert web_link("https://example.org/é") == "https://example.org/é"


# --- the comparison ------------------------------------------------------------------------

COMPARED = {
    "a": {"since": "2021-01-01", "until": "2021-04-01"},
    "rates": [
        {
            "key": "response_rate",
            "a": 0.5,
            "b": 0.47,
            "difference": -0.03,
            "ci95": [-0.05, -0.01],
            "flagged": True,
            "reason": None,
        },
        {
            "key": "horizontality",
            "a": 0.2,
            "b": 0.25,
            "difference": 0.05,
            "ci95": None,
            "flagged": False,
            "reason": "too_few_threads",
        },
        {
            "key": "retention",
            "a": 0.4,
            "b": 0.425,
            "difference": 0.025,
            "ci95": None,
            "reason": "not_a_sum_over_threads",
        },
        {
            "key": "acknowledged_rate",
            "a": None,
            "b": None,
            "difference": None,
            "ci95": None,
            "flagged": False,
            "reason": "undefined",
        },
        {
            "key": "ttfr_median_h",
            "a": 3.0,
            "b": 4.5,
            "difference": 1.5,
            "ci95": [0.5, 2.5],
            "flagged": True,
        },
        {"key": "some_new_rate", "a": 1.0, "b": 2.0, "difference": 1.0},
        {
            "key": "dialogue_rate",
            "a": 0.1,
            "b": 0.1,
            "difference": 0.0,
            "ci95": [None, None],
            "reason": "something_else",
            "flagged": True,
        },
    ],  # fmt: skip
}


def test_comparison_reads_points_hours_and_reasons() -> None:
    rows = {r["title"]: r for r in compare_rows(COMPARED, Locale("en"))}
    rate = rows["Response rate"]
    assert (rate["a"], rate["b"], rate["difference"]) == ("50%", "47%", "−3\xa0pts")
    assert rate["interval"] == "−5\xa0pts … −1\xa0pt" and rate["flagged"]
    assert rows["Horizontality"]["difference"] == "+5\xa0pts"
    assert rows["Horizontality"]["interval"] == "too few threads"
    assert rows["Horizontality"]["reason"] == "too_few_threads"
    assert rows["Retention"]["difference"] == "+2.5\xa0pts"
    assert rows["Retention"]["interval"] == "not a sum over threads"
    acknowledged = rows["Acknowledged"]
    assert (acknowledged["a"], acknowledged["difference"], acknowledged["interval"]) == (
        "—",
        "—",
        "—",
    )
    time = rows["Median time to first response"]
    assert (time["difference"], time["interval"]) == ("+1.5\xa0h", "+30\xa0min … +2.5\xa0h")
    assert rows["some_new_rate"]["difference"] == "+1" and rows["some_new_rate"]["interval"] == "—"
    # A null bound is no interval, and an unknown reason reads as a dash, never flagged.
    dialogue = rows["Dialogues"]
    assert (dialogue["difference"], dialogue["interval"], dialogue["flagged"]) == (
        "0\xa0pts",
        "—",
        False,
    )
    french = {r["title"]: r for r in compare_rows(COMPARED, Locale("fr"))}
    assert french["Taux de réponse"]["difference"] == "−3\xa0points"
    assert french["Taux de réponse"]["interval"] == "−5\xa0points … −1\xa0point"
    assert french["Fidélité"]["difference"] == "+2,5\xa0points"
    assert french["Horizontalité"]["interval"] == "trop peu de fils"


def test_signed_changes() -> None:
    fr, en = Locale("fr"), Locale("en")
    assert en.change(-0.03, "rate") == "−3\xa0pts" and fr.change(-0.03, "rate") == "−3\xa0points"
    assert en.change(0.012, "rate") == "+1.2\xa0pts" and fr.change(0.012, "rate") == "+1,2\xa0point"
    assert en.change(0.0001, "rate") == "0\xa0pts" and en.change(None, "rate") == "—"
    assert fr.change(-0.25, "hours") == "−15\xa0min" and fr.change(2.5, "hours") == "+2,5\xa0h"
    assert fr.change(-1.25, "ratio") == "−1,25" and en.change(float("nan"), "ratio") == "—"


# --- known gaps ----------------------------------------------------------------------------

GAPPY = [
    # Mastodon: January and March, nothing in February.
    msg("p1", None, "acc", "2021-01-05T09:00:00Z", "Le lac"),
    msg("c1", "p1", "m1", "2021-01-05T10:00:00Z", "Beau"),
    msg("p3", None, "acc", "2021-03-05T09:00:00Z", "Le col"),
    msg("c3", "p3", "m2", "2021-03-05T10:00:00Z", "Loin ?"),
    # Facebook: March only, no owned account declared; an orphan and an unknown author.
    msg("f1", None, "page", "2021-03-06T09:00:00Z", "La source", platform="facebook"),
    msg("f2", "f1", "m3", "2021-03-06T10:00:00Z", "Belle", platform="facebook"),
    msg("f3", "gone", "m4", "2021-03-06T11:00:00Z", "Et alors", platform="facebook"),
    msg("f4", "f1", None, "2021-03-06T12:00:00Z", "Supprimé", platform="facebook"),
]


def _gaps(page: str) -> list[str]:
    found = re.search(r'<ul class="gaps">(.*?)</ul>', _section(page, "method"), re.S)
    return (
        [_text(li) for li in re.findall(r"<li>(.*?)</li>", found.group(1), re.S)] if found else []
    )


def test_known_gaps_of_the_data(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, GAPPY, [("mastodon", "acc")])
    page = build_report(ws, tmp_path / "r.html", lang="en").path.read_text(encoding="utf-8")
    gaps = _gaps(page)
    assert "facebook: no message in 2021-01 to 2021-02." in gaps
    assert "mastodon: no message in 2021-02." in gaps
    assert "No message on any platform in 2021-02." in gaps
    assert any(g.startswith("1 orphan message (facebook 1): its parent") for g in gaps), gaps
    assert any(g.startswith("1 message by an unknown author (facebook 1") for g in gaps), gaps
    assert any(g.startswith("No platform says whether the account liked") for g in gaps), gaps
    assert any(g.startswith("No owned account is declared on facebook:") for g in gaps), gaps
    assert not any("mastodon:" in g and "account" in g for g in gaps)
    assert not any("annotated" in g for g in gaps)  # the report annotates first
    # Mastodon says whether the account liked a message (false is a signal), Facebook does not.
    ws.con.execute("UPDATE messages SET owner_liked = false WHERE platform = 'mastodon'")
    page = build_report(ws, tmp_path / "r.html", lang="fr").path.read_text(encoding="utf-8")
    gaps = _gaps(page)
    assert any(
        g.startswith("Aucune indication des « j'aime » du compte sur facebook") for g in gaps
    )
    assert "facebook : aucun message (2021-01 à 2021-02)." in gaps
    assert any(g.startswith("1 message orphelin (facebook 1)") for g in gaps), gaps


def test_data_without_gaps_says_so(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        msg("p", None, "acc", "2021-03-01T09:00:00Z", "Le lac"),
        msg("c", "p", "m1", "2021-03-01T10:00:00Z", "Horaires ?"),
    ]
    load(ws, tmp_path, rows, [("mastodon", "acc")])
    ws.con.execute("UPDATE messages SET owner_liked = false")
    page = build_report(ws, tmp_path / "r.html", lang="en").path.read_text(encoding="utf-8")
    assert _gaps(page) == [] and "No known gap in this window's data." in unescape(page)
