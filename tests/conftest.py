"""Shared fixtures: real workspace files in a temporary folder, and the shared samples."""

from __future__ import annotations

from pathlib import Path

import pytest

import lien.sources as sources_mod
from lien.workspace import Workspace

from .toy import ToySource

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SAMPLES = ROOT.parent / "shared" / "samples"


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A fresh workspace file (Europe/Paris, French)."""
    workspace = Workspace.create(tmp_path / "ws.duckdb", timezone="Europe/Paris", lang="fr")
    yield workspace
    workspace.close()


@pytest.fixture
def samples() -> Path:
    if not SAMPLES.is_dir():
        pytest.skip(f"shared samples not found at {SAMPLES} (they live beside the checkout)")
    return SAMPLES


@pytest.fixture
def toy(monkeypatch: pytest.MonkeyPatch) -> ToySource:
    """The toy source, registered for the duration of a test (reparse looks sources up)."""
    source = ToySource()
    registry = dict(sources_mod._load())
    registry["toy"] = source
    monkeypatch.setattr(sources_mod, "_registry", registry)
    return source
