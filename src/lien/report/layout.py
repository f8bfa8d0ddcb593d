"""The network picture: the core of the interaction graph, laid out in Python.

Big graphs are drawn from their core (the most connected people, and always the owned
accounts), so the picture stays legible at print size and the file small whatever the size of
the community. The layout is a seeded force-directed one (Fruchterman and Reingold), so the
same data always gives the same picture.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..metrics.network import communities, components, interaction_graph
from ..metrics.timebase import Window
from ..metrics.views import Views
from ..privacy import pseudonymizer

if TYPE_CHECKING:
    from ..workspace import Workspace

CORE = 120
# Okabe-Ito colours of the largest communities drawn (the others share a grey), with the
# names the text alternative gives them (translated by the report).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9")
COLOUR_NAMES = ("blue", "orange", "green", "pink", "sky blue")
OTHERS = "#999999"
COLOURS = len(PALETTE)
MAX_LINES = 1500
LIMITS = 200  # row widths tried when packing the groups
GRAVITY = 0.3
SIZE = 600.0
FRAME = (SIZE - 40, 440.0)  # the box the groups are packed to fill (width, height)
LABEL_FONT = 17.0  # the accounts' handles; their platform is written above, smaller
PLATFORM_FONT = 13.0
CHAR = 0.66  # average advance of a DejaVu Sans (bold) character, in font sizes, and a margin


@dataclass
class Node:
    x: float
    y: float
    radius: float
    group: int  # colour index; -1 for an owned account
    label: str
    role: str
    # Where an account's two-line label is written (its centre x and the baseline of its
    # first line), kept inside the picture and clear of the other accounts' labels.
    label_x: float = 0.0
    label_y: float = 0.0

    @property
    def colour(self) -> str:
        if self.group < 0:
            return "#000000"
        return PALETTE[self.group] if self.group < COLOURS else OTHERS

    @property
    def platform(self) -> str:
        return self.label.partition(" · ")[0]

    @property
    def handle(self) -> str:
        """The handle as drawn: shortened (…) when it would not fit across the picture."""
        handle = self.label.partition(" · ")[2] or self.label
        room = int((SIZE - 10) / (CHAR * LABEL_FONT))
        return handle if len(handle) <= room else handle[: room - 1] + "…"


@dataclass
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float


@dataclass
class Community:
    """A coloured group of the picture: `shown` of its `size` members are drawn."""

    group: int  # colour index (COLOURS: the grey of the others)
    shown: int
    size: int

    @property
    def colour(self) -> str:
        return PALETTE[self.group] if self.group < COLOURS else OTHERS

    @property
    def colour_name(self) -> str:
        return COLOUR_NAMES[self.group] if self.group < COLOURS else "grey"


@dataclass
class AccountPlace:
    """Where an owned account stands: the people it has a tie with (in the window, and among
    those drawn) and the coloured communities they belong to."""

    label: str
    ties: int
    ties_shown: int
    communities: int  # coloured communities it has a tie into


@dataclass
class Picture:
    nodes: list[Node]
    edges: list[Edge]
    shown: int
    total: int
    height: float = SIZE  # the picture is SIZE wide
    members: int = 0  # member nodes of the whole graph
    members_shown: int = 0
    communities: list[Community] = field(default_factory=list)  # coloured ones, then grey
    accounts: list[AccountPlace] = field(default_factory=list)
    label_font: float = LABEL_FONT
    platform_font: float = PLATFORM_FONT


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


def shelves(sides: list[float], limit: float) -> tuple[list[tuple[float, float]], float, float]:
    """Squares of the given sides packed in rows no wider than `limit` (a square wider than
    it gets a row of its own): their corners, and the width and height of the whole."""
    corners = []
    x = y = row = width = 0.0
    for side in sides:
        if x > 0 and x + side > limit + 1e-9:
            x, y, row = 0.0, y + row, 0.0
        corners.append((x, y))
        x += side
        row = max(row, side)
        width = max(width, x)
    return corners, width, y + row


def pack(sides: list[float], frame: tuple[float, float] = FRAME) -> list[tuple[float, float]]:
    """Corners of squares (largest first) packed in rows or in columns, whichever row width
    or column height lets the whole be drawn largest inside `frame`."""
    if not sides:
        return []
    best: tuple[float, list[tuple[float, float]]] = (-1.0, [])
    # A row (or column) breaks where a run of consecutive squares fills it: every such sum
    # is a limit worth trying (at most LIMITS of them, evenly picked, for many small groups).
    runs = np.cumsum([0.0, *sides])
    ends = np.unique((runs[None, :] - runs[:, None])[np.triu_indices(len(runs), 1)])
    ends = ends[ends >= max(sides) - 1e-9]
    if len(ends) > LIMITS:
        ends = ends[np.linspace(0, len(ends) - 1, LIMITS).round().astype(int)]
    for transpose in (False, True):
        for limit in ends.tolist():
            corners, width, height = shelves(sides, limit)
            if transpose:
                corners, width, height = [(y, x) for x, y in corners], height, width
            scale = min(frame[0] / width, frame[1] / height)
            if scale > best[0] + 1e-9:
                best = (scale, corners)
    return best[1]


def packed_layout(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Each connected group laid out on its own, then the groups packed largest first, in
    rows or in columns (whichever fills the picture's frame best): separate groups (one per
    platform, say) fill the picture instead of drifting apart in it. Each group's box has a
    side in proportion to the square root of its size."""
    label = components(n, u, v)
    groups = sorted(set(label.tolist()), key=lambda g: (-int((label == g).sum()), g))
    sides = [float(np.sqrt((label == g).sum())) for g in groups]
    pos = np.zeros((n, 2))
    for g, side, (x, y) in zip(groups, sides, pack(sides), strict=True):
        nodes = np.flatnonzero(label == g)
        local = np.full(n, -1, dtype=np.int64)
        local[nodes] = np.arange(len(nodes))
        inside = (local[u] >= 0) & (local[v] >= 0)
        sub = force_layout(len(nodes), local[u[inside]], local[v[inside]])
        sub -= sub.min(axis=0)
        sub /= max(float(sub.max()), 1e-9)
        # A margin of a tenth of the box keeps neighbouring groups apart.
        pos[nodes] = np.array([x, y]) + side * (0.1 + 0.8 * sub)
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
    extent = np.maximum(pos.max(axis=0), 1e-9)
    scale = min(FRAME[0] / extent[0], FRAME[1] / extent[1])
    # Centred across the picture, 20 units from its top.
    pos = pos * scale + np.array([(SIZE - extent[0] * scale) / 2, 20.0])
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
    height = place_labels([n for n in nodes if n.group < 0], height)
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
    # What the text alternative says: the coloured communities (how many of their members
    # are drawn, of how many), the grey others, and each account's place.
    drawn = [n.group for n in nodes if n.role == "member"]
    whole = {g: int((community == g).sum()) for g in colour}
    groups = [Community(i, drawn.count(i), whole[g]) for g, i in colour.items()]
    if drawn.count(COLOURS):
        groups.append(Community(COLOURS, drawn.count(COLOURS), drawn.count(COLOURS)))
    places = []
    tied = np.zeros(graph.n, dtype=bool)
    for k in (k for k, node in enumerate(chosen) if roles[k] == "account"):
        node = chosen[k]
        tied[:] = False
        tied[graph.target[graph.source == node]] = True
        tied[graph.source[graph.target == node]] = True
        tied[node] = False
        near = [i for i, c in enumerate(chosen) if tied[c]]
        places.append(
            AccountPlace(
                label=nodes[k].label,
                ties=int(tied.sum()),
                ties_shown=len(near),
                communities=len({nodes[i].group for i in near} - {-1, COLOURS}),
            )
        )
    nodes.sort(key=lambda n: n.group < 0)  # the accounts drawn last, on top
    return Picture(
        nodes,
        lines,
        len(chosen),
        int(graph.n),
        height,
        members=int((graph.roles == "member").sum()),
        members_shown=len(drawn),
        communities=groups,
        accounts=places,
    )


def label_box(node: Node, below: bool) -> tuple[float, float, float, float]:
    """The box (left, top, right, bottom) of an account's two-line label, above or below its
    node, moved sideways to stay inside the picture."""
    width = CHAR * max(PLATFORM_FONT * len(node.platform), LABEL_FONT * len(node.handle)) + 6
    tall = PLATFORM_FONT + LABEL_FONT + 7
    centre = min(max(node.x, width / 2 + 2), SIZE - width / 2 - 2)
    top = node.y + node.radius + 3 if below else node.y - node.radius - 3 - tall
    return centre - width / 2, top, centre + width / 2, top + tall


def place_labels(accounts: list[Node], height: float) -> float:
    """Put every account's label above its node, or below it when above would leave the
    picture or cover a label already placed; return the picture's height, grown when a
    label below the lowest node needs it."""
    placed: list[tuple[float, float, float, float]] = []

    def clear(box: tuple[float, float, float, float]) -> bool:
        return box[1] >= 0 and all(
            box[2] <= b[0] or box[0] >= b[2] or box[3] <= b[1] or box[1] >= b[3] for b in placed
        )

    for node in sorted(accounts, key=lambda n: (n.y, n.x)):
        options = [label_box(node, below) for below in (False, True)]
        box = next((b for b in options if clear(b)), options[0 if options[0][1] >= 0 else 1])
        placed.append(box)
        node.label_x = (box[0] + box[2]) / 2
        node.label_y = box[1] + PLATFORM_FONT
        height = max(height, box[3] + 4)
    return height


def _account_handle(ws: Workspace, platform: str, author_id: str) -> str:
    """An owned account by the handle it writes under (ids are often long numbers)."""
    row = ws.con.execute(
        """SELECT author_handle FROM messages
           WHERE platform = ? AND author_id = ? AND author_handle IS NOT NULL
           ORDER BY created_at DESC LIMIT 1""",
        [platform, author_id],
    ).fetchone()
    return str(row[0]) if row else author_id
