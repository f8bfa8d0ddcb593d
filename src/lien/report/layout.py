"""The network picture: the core of the interaction graph, laid out in Python.

Big graphs are drawn from their core (the most connected people, and always the owned
accounts), so the picture stays legible at print size and the file small whatever the size of
the community. The layout is a seeded force-directed one (Fruchterman and Reingold), so the
same data always gives the same picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from ..metrics import timebase
from ..metrics.compute import workspace_tables
from ..metrics.network import components, interaction_graph
from ..metrics.timebase import Window
from ..metrics.views import Settings, Views
from ..privacy import pseudonymizer

if TYPE_CHECKING:
    from ..workspace import Workspace

CORE = 120
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


def network_picture(
    ws: Workspace, since: str, until: str, names: bool = False, core: int = CORE
) -> Picture | None:
    settings = Settings.of(ws)
    messages, accounts = workspace_tables(ws)
    views = Views(messages, accounts, settings)
    start, end = date.fromisoformat(since), date.fromisoformat(until)
    window = Window(
        start,
        end,
        timebase.to_utc(start, settings.timezone),
        timebase.to_utc(end, settings.timezone),
    )
    graph = interaction_graph(views, window)
    if len(graph.source) == 0:
        return None
    degree = np.zeros(graph.n)
    np.add.at(degree, graph.source, graph.weight)
    np.add.at(degree, graph.target, graph.weight)
    keep_roles = graph.roles != "bot"
    order = np.argsort(-degree, kind="stable")
    chosen = [i for i in order if keep_roles[i] and degree[i] > 0][:core]
    chosen += [i for i in np.flatnonzero(graph.roles == "account") if i not in chosen]
    index = {node: k for k, node in enumerate(chosen)}
    edges = [
        (index[a], index[b], w)
        for a, b, w in zip(graph.source, graph.target, graph.weight, strict=True)
        if a in index and b in index and a != b
    ]
    if not edges:
        return None
    u = np.array([e[0] for e in edges])
    v = np.array([e[1] for e in edges])
    pos = force_layout(len(chosen), u, v)
    pos -= pos.min(axis=0)
    pos = pos / max(float(pos.max()), 1e-9) * (SIZE - 40) + 20
    roles = graph.roles[chosen]
    members = roles == "member"
    between = members[u] & members[v]
    label = components(len(chosen), u[between], v[between])
    # Colour the largest member groups; the rest share the last colour.
    sizes = {g: int((label == g).sum()) for g in set(label[members].tolist())}
    ranked = sorted(sizes, key=lambda g: -sizes[g])
    colour = {g: min(i, 5) for i, g in enumerate(ranked)}
    alias = None if names else pseudonymizer(ws)
    nodes = []
    for k, node in enumerate(chosen):
        platform, _, author = graph.names[node].partition("\x1f")
        role = str(roles[k])
        shown = author if names or role == "account" else alias(platform, author)  # type: ignore[misc]
        nodes.append(
            Node(
                x=float(pos[k, 0]),
                y=float(pos[k, 1]),
                radius=float(min(2.5 + 1.2 * np.log1p(degree[node]), 12)),
                group=-1 if role == "account" else colour.get(int(label[k]), 5),
                label=shown,
                role=role,
            )
        )
    nodes.sort(key=lambda n: n.group < 0)  # the accounts drawn last, on top
    lines = [
        Edge(
            float(pos[a, 0]),
            float(pos[a, 1]),
            float(pos[b, 0]),
            float(pos[b, 1]),
            float(min(0.5 + np.log1p(w), 4)),
        )
        for a, b, w in edges
    ]
    return Picture(nodes, lines, len(chosen), int(graph.n))
