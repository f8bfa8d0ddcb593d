"""The network keys against networkx and igraph on random communities, and Leiden's seed."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

import igraph
import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lien.metrics.network import communities, interaction_graph, network_block

from .graphs import m, views_of, window

ROOT = Path(__file__).resolve().parents[2]

OWNED = {("mastodon", "acc")}
AUTHORS = ("acc", "m1", "m2", "m3", "m4", "m5", "bot", None)
WINDOWS = (
    (date(2021, 3, 1), date(2021, 5, 1)),  # everything
    (date(2021, 3, 1), date(2021, 3, 15)),
    (date(2021, 3, 10), date(2021, 4, 1)),
)


@st.composite
def communities_st(draw: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for i in range(draw(st.integers(0, 60))):
        platform = draw(st.sampled_from(("mastodon", "mastodon", "x")))
        author = draw(st.sampled_from(AUTHORS))
        earlier = [r["id"] for r in rows if r["platform"] == platform]
        parent = draw(
            # Replies to the last messages make back-and-forth, hence reciprocated ties.
            st.one_of(
                st.none(),
                st.just("missing"),
                st.sampled_from(earlier),
                st.sampled_from(earlier[-2:]),
                st.sampled_from(earlier[-2:]),
            )
            if earlier
            else st.one_of(st.none(), st.just("missing"))
        )
        minutes = draw(st.integers(0, 30 * 24 * 60))
        rows.append(m(f"i{i}", parent, author, minutes, platform, bot=author == "bot"))
    return rows


def _by_hand(rows: list[dict[str, Any]], since: date, until: date) -> dict[str, Any]:
    """The network keys straight from the messages, with networkx for the graph work."""
    start, end = (
        datetime.combine(since, datetime.min.time()),
        datetime.combine(until, datetime.min.time()),
    )
    by_id = {(r["platform"], r["id"]): r for r in rows}

    def who(r: dict[str, Any]) -> tuple[str, str]:
        return (r["platform"], r["author_id"])

    def member(k: tuple[str, str]) -> bool:
        return k not in OWNED and k[1] != "bot"

    in_window = [r for r in rows if start <= r["created_at"] < end]
    graph = nx.DiGraph()
    for c in in_window:
        p = by_id.get((c["platform"], c["parent_id"]))
        if p is None or c["author_id"] is None or p["author_id"] is None:
            continue
        if c["author_id"] == p["author_id"]:
            continue
        u, v = who(c), who(p)
        weight = graph.get_edge_data(u, v, {"weight": 0})["weight"]
        graph.add_edge(u, v, weight=weight + 1)
    ties = graph.to_undirected(reciprocal=False)
    n_ties = ties.number_of_edges()
    people = {who(r) for r in in_window if r["author_id"] is not None and member(who(r))}
    if not n_ties:
        return {"people": len(people), "ties": 0, "reciprocity": None}
    r = nx.overall_reciprocity(graph)  # reciprocated edges / edges
    tied = [k for k in ties.nodes if member(k)]
    member_graph = ties.subgraph(tied)
    largest = max((len(c) for c in nx.connected_components(member_graph)), default=0)
    return {
        "people": len(people),
        "ties": n_ties,
        "reciprocity": r / (2 - r),  # reciprocated pairs / pairs
        "account_tie_share": sum(1 for a, b in ties.edges if a in OWNED or b in OWNED) / n_ties,
        # No member with a tie (only accounts and bots tied): nothing to share, null.
        "member_component_share": largest / len(tied) if tied else None,
        "graph": graph,
    }


@settings(max_examples=35, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=communities_st(), which=st.sampled_from(WINDOWS))
def test_agrees_with_networkx_and_igraph(rows: list[dict[str, Any]], which: Any) -> None:
    win = window(*which)
    views = views_of(rows, sorted(OWNED))
    try:
        block = network_block(views, win)
        graph = interaction_graph(views, win)
    finally:
        views.release()
    expected = _by_hand(rows, *which)
    assert block["people"] == expected["people"]
    assert block["ties"] == expected["ties"]
    if not expected["ties"]:
        assert block["reciprocity"] is None and block["member_component_share"] is None
        return
    for key in ("reciprocity", "account_tie_share", "member_component_share"):
        if expected[key] is None:
            assert block[key] is None, key
        else:
            assert block[key] == pytest.approx(expected[key], abs=1e-12), key

    # igraph's own figures on the same directed graph (built from the messages, not by lien).
    digraph: nx.DiGraph = expected["graph"]
    nodes = sorted(digraph.nodes)
    index = {k: i for i, k in enumerate(nodes)}
    g = igraph.Graph(
        n=len(nodes), edges=[(index[u], index[v]) for u, v in digraph.edges], directed=True
    )
    assert g.as_undirected(mode="collapse").ecount() == block["ties"]
    assert g.reciprocity(ignore_loops=True, mode="ratio") == pytest.approx(block["reciprocity"])

    # The partition lien reports: its modularity computed independently by networkx.
    labels, modularity = communities(graph)
    member_ties = nx.Graph()
    for u, v, data in digraph.edges(data=True):
        if u not in OWNED and v not in OWNED and "bot" not in (u[1], v[1]):
            w = data["weight"] + member_ties.get_edge_data(u, v, {"weight": 0})["weight"]
            member_ties.add_edge(u, v, weight=w)
    if member_ties.number_of_edges() == 0:
        assert block["communities"] is None and modularity is None
        return
    name_of = {graph.platform_author(i): int(labels[i]) for i in range(graph.n) if labels[i] >= 0}
    assert set(name_of) == set(member_ties.nodes)
    groups: dict[int, set[Any]] = defaultdict(set)
    for k, c in name_of.items():
        groups[c].add(k)
    assert block["communities"] == len(groups)
    assert modularity == pytest.approx(block["modularity"], abs=1e-12)
    assert nx.community.modularity(member_ties, groups.values(), weight="weight") == pytest.approx(
        block["modularity"], abs=1e-9
    )


def planted(seed: int = 3, groups: int = 6, size: int = 15) -> list[dict[str, Any]]:
    """Members in groups, replying mostly inside their group."""
    rnd = random.Random(seed)
    n = groups * size
    rows = [m(f"p{i}", None, f"m{i:03d}", i) for i in range(n)]
    for k in range(n * 5):
        x = rnd.randrange(n)
        y = (x // size) * size + rnd.randrange(size) if rnd.random() < 0.85 else rnd.randrange(n)
        if x != y:
            rows.append(m(f"r{k}", f"p{y}", f"m{x:03d}", 1000 + k))
    return rows


def _leiden_figures(rows: list[dict[str, Any]]) -> tuple[Any, ...]:
    views = views_of(rows, [])
    try:
        block = network_block(views, window(date(2021, 1, 1), date(2022, 1, 1)))
        labels, _ = communities(
            interaction_graph(views, window(date(2021, 1, 1), date(2022, 1, 1)))
        )
    finally:
        views.release()
    return block["communities"], block["modularity"], labels.tolist()


def test_leiden_is_reproducible_in_process_and_whatever_the_row_order() -> None:
    rows = planted()
    first = _leiden_figures(rows)
    state = random.getstate()
    assert _leiden_figures(rows) == first
    assert random.getstate() == state  # the seed does not leak into Python's random
    shuffled = rows[:]
    random.Random(9).shuffle(shuffled)
    assert _leiden_figures(shuffled) == first
    assert first[0] >= 4 and first[1] > 0.4  # it does find the planted groups


def test_leiden_is_reproducible_across_interpreters() -> None:
    code = (
        "import json; from tests.network.test_network_random import planted, _leiden_figures;"
        "print(json.dumps(_leiden_figures(planted())))"
    )
    runs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT
            ).stdout
        )
        for _ in range(2)
    ]
    here = list(_leiden_figures(planted()))
    assert runs[0] == runs[1] == json.loads(json.dumps(here))


def test_igraphs_leiden_is_as_good_as_leidenalg() -> None:
    # lien runs igraph's Leiden (C core) for speed; the reference implementation of the
    # algorithm, leidenalg, must not find clearly better partitions on the same graphs.
    leidenalg = pytest.importorskip("leidenalg")
    from lien.metrics.network import _igraph, compact, leiden

    for seed in range(5):
        rows = planted(seed=seed)
        views = views_of(rows, [])
        try:
            graph = interaction_graph(views, window(date(2021, 1, 1), date(2022, 1, 1)))
        finally:
            views.release()
        member_ties = nx.Graph()
        for u, v, w in zip(graph.source, graph.target, graph.weight, strict=True):
            old = member_ties.get_edge_data(int(u), int(v), {"weight": 0})["weight"]
            member_ties.add_edge(int(u), int(v), weight=old + int(w))
        a, b, w = zip(
            *((u, v, d["weight"]) for u, v, d in member_ties.edges(data=True)), strict=True
        )
        n, a_, b_, w_ = compact(np.array(a), np.array(b), np.array(w, dtype=float))
        g = _igraph(n, a_, b_, w_)
        _, ours = leiden(g)
        theirs = leidenalg.find_partition(
            g, leidenalg.ModularityVertexPartition, weights="weight", seed=seed
        ).modularity
        assert ours >= theirs - 0.02, (seed, ours, theirs)
