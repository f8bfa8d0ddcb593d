"""Invariants of lien.metrics under hypothesis, on random communities imported for real.

Rates are fractions; import order changes nothing; another platform's data leaves a platform's
results unchanged; declaring the accounts after the import gives the same numbers as before it.
Profiles as in test_differential (LIEN_METRICS_PROFILE): by default 50 examples per invariant
(most examples build and measure two workspaces), 300 with metrics-deep.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ..reference.metrics_ref import NETWORK_RATE_KEYS, RATE_KEYS
from .random_communities import PLATFORMS, Community, build_workspace, communities
from .test_differential import differences

compute_mod = pytest.importorskip("lien.metrics.compute")

settings.register_profile(
    "metrics-ci-invariants",
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "metrics-deep-invariants",
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = settings.get_profile(os.environ.get("LIEN_METRICS_PROFILE", "metrics-ci") + "-invariants")
KINDS = st.sampled_from(["month", "week"])


def metrics(community: Community, **build: Any) -> dict[str, Any]:
    """compute() on a fresh workspace holding the community (`kwargs` of compute in `build`)."""
    kwargs = build.pop("compute", {})
    with tempfile.TemporaryDirectory() as tmp:
        ws = build_workspace(Path(tmp), community, **build)
        try:
            document: dict[str, Any] = compute_mod.compute(ws, **kwargs)
        finally:
            ws.close()
    return document


def same(a: dict[str, Any], b: dict[str, Any], what: str) -> None:
    diff = differences(a, b)
    assert not diff, "\n".join([what, *diff])


@PROFILE
@given(community=communities(max_messages=40), kind=KINDS)
def test_rates_are_fractions_and_hours_are_ordered(community: Community, kind: str) -> None:
    document = metrics(community, compute={"period": kind})
    for row in document["periods"]:
        for key in RATE_KEYS:
            assert row[key] is None or 0 <= row[key] <= 1, (row["period"], key, row[key])
        if row["ttfr_median_h"] is not None:
            assert 0 < row["ttfr_median_h"] <= row["ttfr_p90_h"]
        assert row["new_members"] + row["returning_members"] == row["active_members"]
        assert row["active_members"] <= row["member_messages"]
        for key in ("conversation_rate", "replies_per_comment"):
            assert row[key] is None or row[key] >= 0
    for key in NETWORK_RATE_KEYS:
        value = document["network"][key]
        assert value is None or 0 <= value <= 1, (key, value)


@PROFILE
@given(data=st.data(), kind=KINDS)
def test_import_order_changes_nothing(data: st.DataObject, kind: str) -> None:
    community = data.draw(communities())
    shuffled = data.draw(st.permutations(community.messages))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(shuffled)), max_size=3)))
    chunks = [shuffled[a:b] for a, b in zip([0, *cuts], [*cuts, len(shuffled)], strict=True)]
    once = metrics(community, compute={"period": kind})
    in_pieces = metrics(community, chunks=chunks, compute={"period": kind})
    same(in_pieces, once, f"{len(chunks)} files in another order")


@PROFILE
@given(data=st.data(), kind=KINDS)
def test_another_platform_leaves_a_platform_unchanged(data: st.DataObject, kind: str) -> None:
    first = data.draw(communities())
    platform = first.messages[0]["platform"]
    others = [p for p in PLATFORMS if p != platform]
    extra = data.draw(communities(platforms=others))

    def renamed(m: dict[str, Any]) -> dict[str, Any]:
        parent = m["parent_id"]
        return m | {"id": "b" + m["id"], "parent_id": None if parent is None else "b" + parent}

    both = Community(
        messages=first.messages + [renamed(m) for m in extra.messages],
        accounts=sorted(set(first.accounts) | set(extra.accounts)),
        timezone=first.timezone,
        bot_handles=first.bot_handles,
        question_words=first.question_words,
    )
    kwargs = {"period": kind, "platforms": [platform]}
    alone = metrics(first, compute=kwargs)
    together = metrics(both, compute=kwargs)
    same(together, alone, f"{platform} with and without other platforms' data")


@PROFILE
@given(community=communities(), kind=KINDS)
def test_declaring_accounts_later_relabels_history(community: Community, kind: str) -> None:
    assume(community.accounts)
    before = metrics(community, accounts_first=True, compute={"period": kind})
    after = metrics(community, accounts_first=False, compute={"period": kind})
    same(after, before, "accounts declared after the import")
