from __future__ import annotations

from collections.abc import Iterator

import pytest

from .server import ReplayServer


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as s:
        yield s
