"""`lien serve` in a real headless Chromium (Debian's), driven by Playwright: every page opens
cleanly at desktop and phone widths, platform text never runs, and the forms work."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ..browser import launched, skip_without_browser
from ..csv_community import write_csv
from .conftest import Served

playwright = skip_without_browser()
pytestmark = pytest.mark.browser
PAGES = ("/", "/inbox", "/metrics", "/people", "/import", "/accounts", "/report")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched(playwright) as b:
        yield b


def _open(browser: Any, served: Served, width: int = 1280) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.set_default_timeout(120_000)  # pages compute on a shared 2-core machine
    errors: list[str] = []
    elsewhere: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (errors.append("dialog: " + d.message), d.dismiss()))

    def route(r: Any) -> None:
        if r.request.url.startswith(served.base + "/"):
            r.continue_()
        else:
            elsewhere.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return page, errors, elsewhere


@pytest.mark.parametrize("width", [1280, 390])
def test_every_page_opens_cleanly(browser: Any, served: Served, width: int) -> None:
    page, errors, elsewhere = _open(browser, served, width)
    for path in PAGES:
        page.goto(served.base + path)
        assert page.locator("h1").count() == 1, path
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
    assert errors == [] and elsewhere == []
    assert page.evaluate("window.__pwned") is None
    page.close()


def test_inbox_shows_hostile_text_as_text(browser: Any, served: Served) -> None:
    page, errors, elsewhere = _open(browser, served)
    page.goto(served.base + "/inbox")
    assert page.locator("table.inbox tbody tr").count() == 3
    assert "<script>window.__pwned = 1</script>" in page.locator("table.inbox").inner_text()
    assert page.locator("main script, main img, main iframe").count() == 0
    assert page.evaluate("window.__pwned") is None
    assert errors == [] and elsewhere == []
    page.close()


def test_import_and_accounts_through_the_forms(browser: Any, served: Served) -> None:
    page, errors, elsewhere = _open(browser, served)
    page.goto(served.base + "/import")
    more = write_csv(
        served.folder / "export.csv",
        [
            (
                "mastodon",
                "c9",
                "p2",
                "m9",
                "m9",
                None,
                "2021-04-05T10:00:00Z",
                "Quelle météo ?",
                None,
            )
        ],
    )
    page.set_input_files("input[type=file]", str(more))
    page.click("form.upload button")
    page.wait_for_selector("section[aria-live] table")
    cells = page.locator("section[aria-live] tbody tr td").all_inner_texts()
    assert cells[:3] == ["export.csv", "csv", "1"] and cells[3] == "1"
    page.goto(served.base + "/accounts")
    page.fill("form.stack input[name=platform]", "mastodon")
    page.fill("form.stack input[name=author_id]", "m9")
    page.click("form.stack button")
    page.wait_for_selector("p.message")
    assert {a["author_id"] for a in served.ws.accounts()} == {"acc", "m9"}
    page.goto(served.base + "/inbox")
    # m9's question is the account's own now: it leaves the inbox.
    assert "Quelle météo" not in page.locator("main").inner_text()
    assert errors == [] and elsewhere == []
    page.close()
