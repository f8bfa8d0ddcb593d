"""A running `lien serve` on a small hand-built community, on a free port of 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from lien.text.annotate import bring_up_to_date
from lien.web import LienServer, WebApp
from lien.workspace import Workspace

from ..csv_community import load, msg

NOW = datetime(2021, 4, 6, 10, 0)
HOSTILE = '<script>window.__pwned = 1</script><img src="https://evil.example/x.png" onerror="window.__pwned = 2">'
ROWS = [
    msg("p1", None, "acc", "2021-03-01T09:00:00Z", "Le lac ce matin", url="https://ex.social/p1"),
    msg(
        "c1",
        "p1",
        "m1",
        "2021-03-01T10:00:00Z",
        "Quels horaires ?",
        handle="m1",
        url="https://ex.social/statuses/c1",
    ),
    msg("r1", "c1", "acc", "2021-03-01T12:00:00Z", "De 10 h à 18 h"),
    msg("c2", "p1", "m2", "2021-03-02T10:00:00Z", "Parking ?", handle="m2"),
    msg("c3", "p1", "m3", "2021-03-03T10:00:00Z", HOSTILE + " ?", handle=HOSTILE),
    msg("r3", "c2", "m3", "2021-03-03T11:00:00Z", "Derrière l'église", handle="m3"),
    msg("p2", None, "acc", "2021-04-01T09:00:00Z", "Avril au lac"),
    msg("c4", "p2", "m1", "2021-04-02T10:00:00Z", "Ouvert le dimanche ?", handle="m1"),
]


@dataclass
class Served:
    ws: Workspace
    server: LienServer
    folder: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"


@pytest.fixture
def served(ws: Workspace, tmp_path: Path) -> Iterator[Served]:
    load(ws, tmp_path, ROWS, [("mastodon", "acc")])
    bring_up_to_date(ws)  # language and tone once, not inside the first page's time
    server = LienServer(WebApp(ws, now=lambda: NOW), "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Served(ws, server, tmp_path)
    server.shutdown()
    server.server_close()
    server.app.close()
