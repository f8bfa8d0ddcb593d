"""The network picture: the core of the interaction graph, laid out in Python.

Big graphs are drawn from their core (the most connected people, and always the owned
accounts), so the picture stays legible at print size and the file small whatever the size of
the community. The layout is a seeded force-directed one (Fruchterman and Reingold), so the
same data always gives the same picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..metrics.network import communities, components, interaction_graph
from ..metrics.timebase import Window
from ..metrics.views import Views
from ..privacy import pseudonymizer

if TYPE_CHECKING:
    from ..workspace import Workspace

CORE = 120
COLOURS = 5  # communities coloured; the others share a grey
MAX_LINES = 1500
GRAVITY = 0.3
SIZE = 600.0


@dataclass
class Node:
    x: float
    y: float
    radius: float
    group: int  # colour index; -1 for an owned account
    label: str
    role: str


@dataclass
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float


@dataclass
class Picture:
    nodes: list[Node]
    edges: list[Edge]
    shown: int
    total: int
    height: float = SIZE  # the picture is SIZE wide


def force_layout(
    n: int, u: np.ndarray, v: np.ndarray, seed: int = 7, steps: int = 250
) -> np.ndarray:
    rng = np.random.default_rng(seed)
    pos = rng.random((n, 2)) - 0.5
    if n < 2:
        return pos
    k = 1.5 / np.sqrt(n)
    temperature = 0.1
    for _ in range(steps):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.maximum(np.linalg.norm(delta, axis=2), 1e-4)
        push = (k * k / dist**2)[:, :, None] * delta
        move = push.sum(axis=1)
        d = pos[u] - pos[v]
        length = np.maximum(np.linalg.norm(d, axis=1), 1e-4)[:, None]
        pull = d * length / k
        np.add.at(move, u, -pull)
        np.add.at(move, v, pull)
        # Gravity keeps disconnected groups (one per platform, say) in one picture.
        move -= GRAVITY * pos * np.linalg.norm(pos, axis=1)[:, None] / k
        norm = np.maximum(np.linalg.norm(move, axis=1), 1e-9)[:, None]
        pos += move / norm * np.minimum(norm, temperature)
        temperature *= 0.985
    return pos


def packed_layout(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Each connected group laid out on its own, then the groups packed in rows, largest
    first: separate groups (one per platform, say) fill the picture instead of drifting
    apart in it. Each group's box has a side in proportion to the square root of its size."""
    label = components(n, u, v)
    groups = sorted(set(label.tolist()), key=lambda g: (-int((label == g).sum()), g))
    sides = [float(np.sqrt((label == g).sum())) for g in groups]
    width = max(max(sides), 1.15 * float(np.sqrt(sum(s * s for s in sides))))
    pos = np.zeros((n, 2))
    x = y = row = 0.0
    for g, side in zip(groups, sides, strict=True):
        nodes = np.flatnonzero(label == g)
        if x > 0 and x + side > width + 1e-9:
            x, y, row = 0.0, y + row, 0.0
        local = np.full(n, -1, dtype=np.int64)
        local[nodes] = np.arange(len(nodes))
        inside = (local[u] >= 0) & (local[v] >= 0)
        sub = force_layout(len(nodes), local[u[inside]], local[v[inside]])
        sub -= sub.min(axis=0)
        sub /= max(float(sub.max()), 1e-9)
        # A margin of a tenth of the box keeps neighbouring groups apart.
        pos[nodes] = np.array([x, y]) + side * (0.1 + 0.8 * sub)
        x += side
        row = max(row, side)
    return pos


def network_picture(
    ws: Workspace, views: Views, window: Window, names: bool = False, core: int = CORE
) -> Picture | None:
    graph = interaction_graph(views, window)
    if len(graph.source) == 0:
        return None
    degree = np.zeros(graph.n)
    np.add.at(degree, graph.source, graph.weight)
    np.add.at(degree, graph.target, graph.weight)
    keep_roles = graph.roles != "bot"
    order = np.argsort(-degree, kind="stable")
    chosen = [int(i) for i in order[: core + int((~keep_roles).sum())] if keep_roles[i]]
    chosen = [i for i in chosen if degree[i] > 0][:core]
    chosen += [int(i) for i in np.flatnonzero(graph.roles == "account") if i not in chosen]
    # Edges among the chosen nodes, vectorised: a big community has millions of edges.
    index = np.full(graph.n, -1, dtype=np.int64)
    index[chosen] = np.arange(len(chosen))
    a, b = index[graph.source], index[graph.target]
    keep = (a >= 0) & (b >= 0) & (a != b)
    if not keep.any():
        return None
    # One line per tie (both directions summed), the strongest MAX_LINES at most: the core
    # of a big community is dense, and the picture must stay light and legible.
    low, high = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])
    pairs, inverse = np.unique(low * len(chosen) + high, return_inverse=True)
    summed = np.bincount(inverse, weights=graph.weight[keep].astype(np.float64))
    strongest = np.argsort(-summed, kind="stable")[:MAX_LINES]
    u, v, weights = (
        pairs[strongest] // len(chosen),
        pairs[strongest] % len(chosen),
        summed[strongest],
    )
    pos = packed_layout(len(chosen), u, v)
    pos -= pos.min(axis=0)
    pos = pos / max(float(pos.max()), 1e-9) * (SIZE - 40) + 20
    height = float(pos[:, 1].max()) + 20
    roles = graph.roles[chosen]
    # The Leiden communities of the whole member graph (those of `communities` and
    # `modularity` in the metrics): the largest ones drawn get a colour, the others grey.
    community, _ = communities(graph)
    label = community[chosen]
    sizes = {g: int((label == g).sum()) for g in set(label.tolist()) if g >= 0}
    ranked = sorted(sizes, key=lambda g: (-sizes[g], g))
    colour = {g: i for i, g in enumerate(ranked[:COLOURS])}
    alias = None if names else pseudonymizer(ws)
    nodes = []
    for k, node in enumerate(chosen):
        platform, _, author = graph.names[node].partition("\x1f")
        role = str(roles[k])
        if role == "account":
            shown = f"{platform} · {_account_handle(ws, platform, author)}"
        else:
            shown = author if names else alias(platform, author)  # type: ignore[misc]
        nodes.append(
            Node(
                x=float(pos[k, 0]),
                y=float(pos[k, 1]),
                radius=float(min(2.5 + 1.2 * np.log1p(degree[node]), 12)),
                group=-1 if role == "account" else colour.get(int(label[k]), COLOURS),
                label=shown,
                role=role,
            )
        )
    nodes.sort(key=lambda n: n.group < 0)  # the accounts drawn last, on top
    lines = [
        Edge(
            float(pos[i, 0]),
            float(pos[i, 1]),
            float(pos[j, 0]),
            float(pos[j, 1]),
            float(min(0.5 + np.log1p(w), 4)),
        )
        for i, j, w in zip(u.tolist(), v.tolist(), weights.tolist(), strict=True)
    ]
    return Picture(nodes, lines, len(chosen), int(graph.n), height)


def _account_handle(ws: Workspace, platform: str, author_id: str) -> str:
    """An owned account by the handle it writes under (ids are often long numbers)."""
    row = ws.con.execute(
        """SELECT author_handle FROM messages
           WHERE platform = ? AND author_id = ? AND author_handle IS NOT NULL
           ORDER BY created_at DESC LIMIT 1""",
        [platform, author_id],
    ).fetchone()
    return str(row[0]) if row else author_id
