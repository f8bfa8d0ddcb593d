"""Debian's Chromium driven by Playwright, for the tests of the report and of `lien serve`."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from lien.report import CHROMIUM_FLAGS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Playwright starts the browser headless itself.
ARGS = [flag for flag in CHROMIUM_FLAGS if flag != "--headless"]


def skip_without_browser() -> Any:
    """The Playwright module, or a skip of the calling test module when the browser is absent."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extra")
    if not Path(CHROMIUM).exists():
        pytest.skip(
            "Debian's chromium is not installed (.ci/run installs it)", allow_module_level=True
        )
    return sync_api


@contextmanager
def launched(sync_api: Any) -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()
