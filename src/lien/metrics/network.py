"""The interaction graph of a window and its network keys.

The edge list (one row per ordered pair of authors, weighted) is aggregated by the engine;
the graph measures are computed here with numpy on integer-coded nodes, which stays fast for
millions of ties (connected components by vectorised label propagation with pointer jumping).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .timebase import Window

if TYPE_CHECKING:
    from .views import Views


@dataclass
class Graph:
    """Directed weighted graph on nodes 0..n-1."""

    names: list[str]  # "platform\x1fauthor_id"
    roles: np.ndarray  # role per node: "member", "account", "bot"
    source: np.ndarray
    target: np.ndarray
    weight: np.ndarray
    first: list[Any]  # first exchange time per edge
    last: list[Any]

    @property
    def n(self) -> int:
        return len(self.names)


def _key(platform: Any, author: Any) -> Any:
    return ibis.literal("") + platform + "\x1f" + author


def interaction_graph(views: Views, window: Window) -> Graph:
    b = views.base
    in_window = (b.created_at >= ibis.literal(window.since_utc)) & (
        b.created_at < ibis.literal(window.until_utc)
    )
    nodes = (
        b.filter(in_window & b.author_id.notnull())
        .group_by([b.platform, b.author_id, b.role])
        .aggregate(messages=lambda t: t.count())
        .to_pyarrow()
    )
    e = views.exchanges
    e = e.filter(
        (e.created_at >= ibis.literal(window.since_utc))
        & (e.created_at < ibis.literal(window.until_utc))
    )
    edges = (
        e.group_by([e.platform, e.author_id, e.p_author_id])
        .aggregate(
            weight=lambda t: t.count(),
            first=lambda t: t.created_at.min(),
            last=lambda t: t.created_at.max(),
        )
        .to_pyarrow()
    )
    names = pc.binary_join_element_wise(nodes["platform"], nodes["author_id"], "\x1f")
    src = pc.binary_join_element_wise(edges["platform"], edges["author_id"], "\x1f")
    dst = pc.binary_join_element_wise(edges["platform"], edges["p_author_id"], "\x1f")
    # Every edge end wrote a message in the window or is the parent's author; a parent author
    # without a message in the window is still a node of the graph.
    all_names = pc.unique(pa.chunked_array(names.chunks + src.chunks + dst.chunks))
    role_of = dict(zip(names.to_pylist(), nodes["role"].to_pylist(), strict=True))
    parent_roles = _parent_roles(views, edges)
    role_of = {**parent_roles, **role_of}
    name_list = all_names.to_pylist()
    roles = np.array([role_of.get(x, "member") for x in name_list], dtype=object)
    return Graph(
        names=name_list,
        roles=roles,
        source=pc.index_in(src, value_set=all_names).to_numpy(zero_copy_only=False),
        target=pc.index_in(dst, value_set=all_names).to_numpy(zero_copy_only=False),
        weight=edges["weight"].to_numpy(),
        first=edges["first"].to_pylist(),
        last=edges["last"].to_pylist(),
    )


def _parent_roles(views: Views, edges: pa.Table) -> dict[str, str]:
    b = views.base
    roles = b.filter(b.author_id.notnull()).select("platform", "author_id", "role").distinct()
    # Only needed for parent authors who wrote nothing in the window: rare, small.
    wanted = set(
        pc.binary_join_element_wise(edges["platform"], edges["p_author_id"], "\x1f").to_pylist()
    )
    if not wanted:
        return {}
    out: dict[str, str] = {}
    for row in roles.to_pyarrow().to_pylist():
        key = f"{row['platform']}\x1f{row['author_id']}"
        if key in wanted:
            out[key] = row["role"]
    return out


def components(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Component label (smallest node index) of every node of an undirected graph."""
    label = np.arange(n)
    if len(u) == 0:
        return label
    while True:
        low = np.minimum(label[u], label[v])
        before = label.copy()
        np.minimum.at(label, u, low)
        np.minimum.at(label, v, low)
        label = label[label]  # pointer jumping
        if np.array_equal(label, before):
            return label


def measures(graph: Graph) -> dict[str, Any]:
    """people, ties, reciprocity, account_tie_share, member_component_share."""
    member = graph.roles == "member"
    account = graph.roles == "account"
    u, v = graph.source, graph.target
    low, high = np.minimum(u, v), np.maximum(u, v)
    pair = low.astype(np.int64) * max(graph.n, 1) + high
    unique_pairs, counts = np.unique(pair, return_counts=True)
    ties = len(unique_pairs)
    reciprocated = int((counts == 2).sum())  # edges are per ordered pair: 2 means both ways
    a = (unique_pairs // max(graph.n, 1)).astype(np.int64)
    b = (unique_pairs % max(graph.n, 1)).astype(np.int64)
    with_account = int((account[a] | account[b]).sum())
    tied = np.zeros(graph.n, bool)
    tied[a] = True
    tied[b] = True
    tied_members = int((tied & member).sum())
    between_members = member[a] & member[b]
    label = components(graph.n, a[between_members], b[between_members])
    member_labels = label[member & tied]
    largest = int(np.bincount(member_labels).max()) if len(member_labels) else 0
    return {
        "people": int(member.sum()),
        "ties": ties,
        "reciprocity": reciprocated / ties if ties else None,
        "account_tie_share": with_account / ties if ties else None,
        "member_component_share": largest / tied_members if tied_members else None,
    }


def network_block(views: Views, window: Window) -> dict[str, Any]:
    graph = interaction_graph(views, window)
    block = measures(graph)
    block.update(communities_of(graph))
    return block


def communities_of(graph: Graph) -> dict[str, Any]:
    """Leiden communities of the member-only graph, when igraph and leidenalg are installed."""
    try:
        import igraph
        import leidenalg
    except ImportError:
        return {"communities": None, "modularity": None}
    member = graph.roles == "member"
    keep = member[graph.source] & member[graph.target]
    if not keep.any():
        return {"communities": None, "modularity": None}
    g = igraph.Graph(
        n=graph.n, edges=list(zip(graph.source[keep], graph.target[keep], strict=True))
    )
    g.es["weight"] = graph.weight[keep].tolist()
    g = g.as_undirected(combine_edges="sum")
    g = g.subgraph(np.flatnonzero(member).tolist())
    partition = leidenalg.find_partition(
        g, leidenalg.ModularityVertexPartition, weights="weight", seed=42
    )
    return {"communities": len(partition), "modularity": float(partition.modularity)}
