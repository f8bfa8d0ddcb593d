"""`lien serve` over real HTTP: the same figures as the library, escaped, and only for itself."""

from __future__ import annotations

import html
import re
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from lien.inbox import inbox, to_csv
from lien.metrics import compute
from lien.report.i18n import Locale

from ..csv_community import write_csv
from .conftest import HOSTILE, NOW, Served


def get(url: str, host: str | None = None) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request) as r:
            return r.status, dict(r.headers.items()), r.read().decode("utf-8-sig")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers.items()), e.read().decode("utf-8")


def post(url: str, fields: dict[str, str], files: dict[str, Path] | None = None) -> tuple[int, str]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    if files:
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            )
        for name, path in files.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{path.name}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
                + path.read_bytes()
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        kind = f"multipart/form-data; boundary={boundary}"
    else:
        body = urllib.parse.urlencode(fields).encode()
        kind = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=body, headers={"Content-Type": kind}, method="POST")
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8")


def token(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found
    return found.group(1)


PAGES = ("/", "/inbox", "/metrics", "/people", "/import", "/accounts", "/report")


@pytest.mark.parametrize("path", PAGES)
def test_every_page_answers_in_french_and_english_under_a_strict_policy(
    served: Served, path: str
) -> None:
    status, headers, page = get(served.base + path)
    assert status == 200, page
    policy = headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert '<html lang="fr">' in page
    _, _, english = get(served.base + path + "?lang=en")
    assert '<html lang="en">' in english


def test_unknown_hosts_and_pages(served: Served) -> None:
    # A page of another site pointing its own domain at 127.0.0.1 gets nothing.
    status, _, _ = get(served.base + "/inbox", host=f"evil.example:{served.server.port}")
    assert status == 421
    assert get(served.base + "/nope")[0] == 404


def test_inbox_lists_what_the_library_lists(served: Served) -> None:
    _, _, page = get(served.base + "/inbox")
    rows = re.findall(r"<tr>\s*(.*?)</tr>", page.split("<tbody>", 1)[1], re.S)
    expected = inbox(served.ws, now=NOW).to_pylist()
    # c2 and c4 (addressed questions) and c3 wait; c1 was answered; r3 answered a member.
    assert [r["id"] for r in expected] == ["c2", "c3", "c4"]
    assert len(rows) == 3
    for row, want in zip(rows, expected, strict=True):
        cells = [
            html.unescape(c) for c in re.findall(r'<td data-label="[^"]*">(.*?)</td>', row, re.S)
        ]
        assert cells[0] == want["age"] and cells[3] == want["author"]
    # Pseudonyms, and platform text shown as text, never as markup.
    assert "m2" not in page and "<script>window" not in page and "&lt;script&gt;" in page
    status, headers, data = get(served.base + "/inbox.csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert data.encode("utf-8") == to_csv(inbox(served.ws, now=NOW), "fr").decode(
        "utf-8-sig"
    ).encode("utf-8")


def test_overview_shows_the_metrics_of_the_last_month(served: Served) -> None:
    _, _, page = get(served.base + "/")
    latest = compute(served.ws)["periods"][-1]
    assert latest["period"] == "2021-04"
    # April: c4 addressed, not answered: 0 %; March: c1 answered of c1, c2, c3: 33 %.
    assert latest["response_rate"] == 0.0
    loc = Locale("fr")
    cards = dict(
        re.findall(r'<div class="title">(.*?)</div>\s*<div class="value">(.*?)</div>', page)
    )
    assert html.unescape(cards["Taux de réponse"]) == loc.percent(0.0)
    assert "-33 pts" in page  # 0 % against 33 % in March
    assert "En attente de réponse : 3" in html.unescape(page).replace("\xa0", " ") or (
        "En attente de réponse: 3" in html.unescape(page)
    )


def test_forms_need_this_servers_token(served: Served) -> None:
    status, _ = post(served.base + "/accounts", {"platform": "mastodon", "author_id": "m1"})
    assert status == 403
    assert [a["author_id"] for a in served.ws.accounts()] == ["acc"]
    _, _, page = get(served.base + "/accounts")
    status, answer = post(
        served.base + "/accounts",
        {"csrf": token(page), "platform": "mastodon", "author_id": "m3", "name": "Équipe"},
    )
    assert status == 200 and "Compte ajouté" in answer
    assert {a["author_id"] for a in served.ws.accounts()} == {"acc", "m3"}
    # m3 is now an owned account: its reply to c2 answers it, and the inbox says so.
    _, _, inbox_page = get(served.base + "/inbox")
    assert len(re.findall(r"<tr>\s*<td", inbox_page)) == 1  # c4 only (c3 is the account's own)


def test_upload_imports_and_counts(served: Served) -> None:
    _, _, page = get(served.base + "/import")
    more = write_csv(
        served.folder / "nouveaux messages.csv",
        [
            ("mastodon", "c5", "p2", "m4", "m4", None, "2021-04-03T10:00:00Z", "Superbe", None),
            (
                "mastodon",
                "c1",
                "p1",
                "m1",
                "m1",
                None,
                "2021-03-01T10:00:00Z",
                "Quels horaires ?",
                "https://ex.social/statuses/c1",
            ),
        ],
    )
    status, answer = post(served.base + "/import", {"csrf": token(page)}, files={"files": more})
    assert status == 200, answer
    row = re.search(r"<td>nouveaux messages.csv</td><td>csv</td>(.*?)</tr>", answer, re.S)
    assert row, answer
    counts = re.findall(r'<td class="num">(\d+)</td>', row.group(1))
    # read 2 = stored 1 (c5) + updated 0 + duplicates 1 (c1, already there) + rejected 0
    assert counts == ["2", "1", "0", "1", "0"]
    assert served.ws.con.execute("SELECT count(*) FROM messages").fetchone() == (9,)


def test_report_is_built_and_shown_without_scripts(served: Served) -> None:
    _, _, page = get(served.base + "/report")
    status, _ = post(served.base + "/report", {"csrf": token(page), "period": "month"})
    assert status == 303
    status, headers, report = get(served.base + "/report/latest")
    assert status == 200 and headers["Content-Security-Policy"].startswith("sandbox")
    assert HOSTILE not in report


def test_a_failing_page_answers_and_the_server_goes_on(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lien.web import pages

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(pages, "people_page", broken)
    status, _, page = get(served.base + "/people")
    assert status == 500 and "terminal" in page
    assert get(served.base + "/metrics")[0] == 200
