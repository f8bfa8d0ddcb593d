"""Differential test: lien.metrics.compute against the plain-Python reference of METRICS.md
(tests/reference/metrics_ref.py) on random communities imported through the real pipeline.

Counts must be equal, rates and hours equal to 1e-9, and null exactly where the other is null.
Profiles: LIEN_METRICS_PROFILE=metrics-ci (the default, which `make test` runs: 100 examples per
random test, so 200 random communities, about 1 s each) or metrics-deep (400 per test).
"""

from __future__ import annotations

import os
import tempfile
from datetime import date, datetime
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
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "metrics-deep",
    max_examples=400,
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
    for key in ("schema", "timezone", "period", "window"):
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
    ours = community.reference(**kwargs)
    with tempfile.TemporaryDirectory() as tmp:
        ws = build_workspace(Path(tmp), community)
        try:
            theirs = compute_mod.compute(ws, **kwargs)
        finally:
            ws.close()
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


def _message(id: str, parent: str | None, author: str, at: str, **extra: Any) -> dict[str, Any]:
    return {
        "platform": "mastodon",
        "id": id,
        "parent_id": parent,
        "author_id": author,
        "author_handle": None,
        "author_is_bot": None,
        "created_at": datetime.fromisoformat(at),
        "text": None,
        "owner_liked": None,
    } | extra


@pytest.mark.parametrize(
    ("since", "until"), [(None, date(2020, 12, 1)), (date(2021, 7, 1), None), (None, None)]
)
def test_empty_and_inverted_windows_agree(since: date | None, until: date | None) -> None:
    community = Community(
        [_message("1", None, "m1", "2021-01-10T10:00"), _message("2", "1", "m2", "2021-05-10")],
        [("mastodon", "acc")],
    )
    if since is None and until is None:
        check(community, since=date(2021, 2, 1), until=date(2021, 4, 1))  # real days, no message
    else:
        check(community, since=since, until=until)


def test_equal_times_do_not_hide_a_back_and_forth() -> None:
    community = Community(
        [
            _message("p", None, "acc", "2021-03-01T09:00:00"),
            _message("c", "p", "m1", "2021-03-01T10:00:00"),
            _message("r1", "c", "m2", "2021-03-01T10:05:00"),
            _message("r2", "c", "m1", "2021-03-01T10:05:00"),
            _message("r3", "c", "m1", "2021-03-01T10:10:00"),
        ],
        [("mastodon", "acc")],
    )
    assert community.reference()["periods"][0]["dialogue_rate"] == 1.0  # by hand: m1, m2, m1
    with tempfile.TemporaryDirectory() as tmp:
        ws = build_workspace(Path(tmp), community)
        try:
            assert compute_mod.compute(ws)["periods"][0]["dialogue_rate"] == 1.0
        finally:
            ws.close()


def test_ties_without_any_member_do_not_crash() -> None:
    community = Community(
        [
            _message("0", None, "bot1", "2022-01-12T11:18:00", author_is_bot=True),
            _message("5", "0", "acc", "2022-01-13T01:24:16"),
        ],
        [("mastodon", "acc")],
    )
    net = community.reference()["network"]
    assert (net["ties"], net["member_component_share"]) == (1, None)
    with tempfile.TemporaryDirectory() as tmp:
        ws = build_workspace(Path(tmp), community)
        try:
            assert compute_mod.compute(ws)["network"]["member_component_share"] is None
        finally:
            ws.close()


def test_a_window_inside_a_period_counts_only_its_active_members() -> None:
    community = Community(
        [
            _message("1", None, "m1", "2021-03-05T10:00:00"),  # before the window
            _message("2", None, "m2", "2021-03-15T10:00:00"),
        ],
        [],
    )
    window = {"since": date(2021, 3, 10), "until": date(2021, 3, 20)}
    row = community.reference(**window)["periods"][0]
    assert (row["member_messages"], row["active_members"], row["new_members"]) == (1, 1, 1)
    with tempfile.TemporaryDirectory() as tmp:
        ws = build_workspace(Path(tmp), community)
        try:
            row = compute_mod.compute(ws, **window)["periods"][0]
        finally:
            ws.close()
    assert (row["member_messages"], row["active_members"], row["new_members"]) == (1, 1, 1)
