"""Differential test: lien.metrics.compute against the plain-Python reference of METRICS.md
(tests/reference/metrics_ref.py) on random communities imported through the real pipeline.

Counts must be equal, rates and hours equal to 1e-9, and null exactly where the other is null.
Profiles: LIEN_METRICS_PROFILE=metrics-ci (default, ~150 examples per test) or metrics-deep.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..reference.metrics_ref import NETWORK_KEYS, PERIOD_KEYS
from .random_communities import Community, build_workspace, communities, windows

compute_mod = pytest.importorskip("lien.metrics.compute")

settings.register_profile(
    "metrics-ci",
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "metrics-deep",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = settings.get_profile(os.environ.get("LIEN_METRICS_PROFILE", "metrics-ci"))


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    return abs(float(a) - float(b)) <= 1e-9


def differences(theirs: dict[str, Any], ours: dict[str, Any]) -> list[str]:
    """Every disagreement between two documents on the keys the reference defines."""
    out = []
    for key in ("schema", "timezone", "period"):
        if theirs.get(key) != ours[key]:
            out.append(f"{key}: {theirs.get(key)!r} != reference {ours[key]!r}")
    labels = [p.get("period") for p in theirs["periods"]]
    if labels != [p["period"] for p in ours["periods"]]:
        return [*out, f"periods {labels} != reference {[p['period'] for p in ours['periods']]}"]
    for got, want in zip(theirs["periods"], ours["periods"], strict=True):
        for key in PERIOD_KEYS:
            if key not in got:
                out.append(f"{want['period']}: key {key} missing")
            elif not _same(got[key], want[key]):
                out.append(f"{want['period']} {key}: {got[key]!r} != reference {want[key]!r}")
    for key in NETWORK_KEYS:
        if key not in theirs["network"]:
            out.append(f"network: key {key} missing")
        elif not _same(theirs["network"][key], ours["network"][key]):
            out.append(f"network {key}: {theirs['network'][key]!r} != {ours['network'][key]!r}")
    if not _same(theirs.get("regular_members"), ours["regular_members"]):
        out.append(
            f"regular_members: {theirs.get('regular_members')!r} != {ours['regular_members']}"
        )
    return out


def check(community: Community, **kwargs: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ws = build_workspace(Path(tmp), community)
        try:
            theirs = compute_mod.compute(ws, **kwargs)
        finally:
            ws.close()
    ours = community.reference(**kwargs)
    diff = differences(theirs, ours)
    assert not diff, "\n".join([*diff, f"compute({kwargs})", community.as_code()])


@PROFILE
@given(community=communities(), kind=st.sampled_from(["month", "week"]))
def test_default_window_agrees_with_the_reference(community: Community, kind: str) -> None:
    check(community, period=kind)


@PROFILE
@given(data=st.data(), kind=st.sampled_from(["month", "week"]))
def test_windows_and_platform_filters_agree_with_the_reference(
    data: st.DataObject, kind: str
) -> None:
    community = data.draw(communities())
    since, until = data.draw(windows(community, kind))
    present = sorted({m["platform"] for m in community.messages})
    chosen = data.draw(
        st.one_of(st.none(), st.lists(st.sampled_from(present), min_size=1, unique=True))
    )
    check(community, period=kind, since=since, until=until, platforms=chosen)
