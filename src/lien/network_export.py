"""The interaction graph of a window as a file: GEXF 1.3 (Gephi), GraphML, JSON node-link.

Nodes carry their role (member, account, bot), platform, messages in the window and Leiden
community (members with a tie to another member; the same partition as `lien metrics`).
Edges are directed (who replied to whom) with their weight (exchanges) and the times of the
first and last exchange. In GEXF these are the edges' `start`/`end` and the nodes' span of
activity, so Gephi's timeline plays the network over the window.

People are pseudonymous by default (lien.privacy.pseudonymizer: keyed, stable in every output
of the workspace); `names=True` shows their handles. Owned accounts are the destination's own
public accounts and always show their handle. Node ids are positions ("n0", "n1"...), never
platform ids. Every text goes through xml.etree (escaped), stripped of the characters XML 1.0
cannot hold.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

import numpy as np

from .errors import LienError
from .metrics import timebase
from .metrics.compute import workspace_tables
from .metrics.network import communities, interaction_graph
from .metrics.timebase import Window
from .metrics.views import Settings, Views
from .privacy import pseudonymizer

if TYPE_CHECKING:
    from .workspace import Workspace

GEXF_NS = "http://gexf.net/1.3"
GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
# Characters XML 1.0 cannot carry, even escaped (C0 controls except tab, newline, return;
# lone surrogates; U+FFFE and U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    role: str
    platform: str
    messages: int
    community: int | None
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    weight: int
    first: datetime
    last: datetime


@dataclass
class NetworkFile:
    """What goes into the file."""

    since: date
    until: date
    nodes: list[Node]
    edges: list[Edge]
    communities: int | None
    modularity: float | None


def _window(ws: Workspace, since: str | None, until: str | None, messages: Any) -> Window:
    tz = ws.timezone
    bounds = messages.aggregate(first=messages.created_at.min(), last=messages.created_at.max())
    first, last = bounds.to_pyarrow().to_pylist()[0].values()
    try:
        start = date.fromisoformat(since) if since else None
        end = date.fromisoformat(until) if until else None
    except ValueError as e:
        raise LienError(f"--since/--until take a day as YYYY-MM-DD ({e})") from None
    start = start or (timebase.to_local_date(first, tz) if first else None)
    end = end or (timebase.to_local_date(last, tz) + timedelta(days=1) if last else None)
    if start is None or end is None:
        raise LienError("the workspace holds no message yet: import some first")
    if start >= end:
        raise LienError(f"the window is empty: --since {start} is not before --until {end}")
    return Window(start, end, timebase.to_utc(start, tz), timebase.to_utc(end, tz))


def _handles(messages: Any) -> dict[tuple[str, str], str]:
    """The latest handle of every author (for --names)."""
    m = messages.filter(messages.author_handle.notnull() & messages.author_id.notnull())
    rows = (
        m.group_by(["platform", "author_id"])
        .aggregate(handle=m.author_handle.argmax(m.created_at))
        .to_pyarrow()
        .to_pylist()
    )
    return {(r["platform"], r["author_id"]): r["handle"] for r in rows}


def _times(values: np.ndarray) -> list[datetime]:
    return [datetime.fromisoformat(str(v)) for v in values.astype("datetime64[s]")]


def network_file(
    ws: Workspace,
    since: str | None = None,
    until: str | None = None,
    platforms: Sequence[str] | None = None,
    members_only: bool = False,
    names: bool = False,
) -> NetworkFile:
    """The interaction graph of the window (by default, the whole workspace)."""
    settings = Settings.of(ws)
    messages, accounts = workspace_tables(ws)
    if platforms:
        messages = messages.filter(messages.platform.isin(list(platforms)))
        accounts = accounts.filter(accounts.platform.isin(list(platforms)))
    window = _window(ws, since, until, messages)
    views = Views(messages, accounts, settings)
    try:
        graph = interaction_graph(views, window)
    finally:
        views.release()
    community, modularity = communities(graph)
    keep = graph.roles == "member" if members_only else np.ones(graph.n, bool)
    label = _labeller(ws, messages, names)
    ids: dict[int, str] = {}
    nodes = []
    starts, ends = _times(graph.active_from), _times(graph.active_to)
    for i in np.flatnonzero(keep).tolist():
        platform, author = graph.platform_author(i)
        role = str(graph.roles[i])
        ids[i] = f"n{len(ids)}"
        c = int(community[i])
        nodes.append(
            Node(
                id=ids[i],
                label=label(platform, author, role),
                role=role,
                platform=platform,
                messages=int(graph.messages[i]),
                community=c if c >= 0 else None,
                start=starts[i],
                end=ends[i],
            )
        )
    edges = [
        Edge(ids[s], ids[t], int(w), first, last)
        for s, t, w, first, last in zip(
            graph.source.tolist(),
            graph.target.tolist(),
            graph.weight.tolist(),
            _times(graph.first),
            _times(graph.last),
            strict=True,
        )
        if s in ids and t in ids
    ]
    found = int(community.max()) + 1 if graph.n and community.max() >= 0 else None
    return NetworkFile(window.since, window.until, nodes, edges, found, modularity)


def _labeller(ws: Workspace, messages: Any, names: bool) -> Callable[[str, str, str], str]:
    handles = _handles(messages) if names else {}
    if not names:
        alias = pseudonymizer(ws)
        owned = {(a["platform"], a["author_id"]): a.get("name") for a in ws.accounts()}

    def label(platform: str, author: str, role: str) -> str:
        if names:
            return handles.get((platform, author)) or author
        if role == "account":
            return owned.get((platform, author)) or author
        return alias(platform, author)

    return label


# -- writers -------------------------------------------------------------------------------


def clean(text: str) -> str:
    """Text as XML 1.0 can hold it (the escaping itself is xml.etree's)."""
    return _NOT_XML.sub("\ufffd", text)


def _time(moment: datetime) -> str:
    return moment.replace(tzinfo=None).isoformat(timespec="seconds")


def _xml(element: ET.Element) -> str:
    return ET.tostring(element, encoding="unicode")


def _open_tag(element: ET.Element) -> str:
    """`<tag attr="...">` of an element, escaped by xml.etree."""
    closed = _xml(element)
    assert closed.endswith(" />")
    return closed[: -len(" />")] + ">"


def _el(tag: str, attrs: dict[str, Any] | None = None, text: str | None = None) -> ET.Element:
    element = ET.Element(tag, {k: clean(str(v)) for k, v in (attrs or {}).items()})
    if text is not None:
        element.text = clean(text)
    return element


NODE_ATTRIBUTES = (("role", "string"), ("platform", "string"), ("messages", "integer"))


def gexf_lines(data: NetworkFile, today: date | None = None) -> Iterator[str]:
    """GEXF 1.3, dynamic (intervals in UTC): nodes live over their activity, edges from the
    first to the last exchange."""
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    root = _el(
        "gexf",
        {
            "xmlns": GEXF_NS,
            "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
            "xsi:schemaLocation": f"{GEXF_NS} {GEXF_NS}/gexf.xsd",
            "version": "1.3",
        },
    )
    yield _open_tag(root) + "\n"
    meta = _el("meta", {"lastmodifieddate": (today or datetime.now(UTC).date()).isoformat()})
    meta.append(_el("creator", text="lien"))
    meta.append(
        _el(
            "description",
            text=f"Who replied to whom, {data.since.isoformat()} to {data.until.isoformat()} "
            "(until exclusive); times in UTC",
        )
    )
    yield "  " + _xml(meta) + "\n"
    graph = _el(
        "graph",
        {
            "defaultedgetype": "directed",
            "mode": "dynamic",
            "timeformat": "dateTime",
            "timerepresentation": "interval",
            "timezone": "UTC",
        },
    )
    yield "  " + _open_tag(graph) + "\n"
    attributes = _el("attributes", {"class": "node"})
    for key, kind in (*NODE_ATTRIBUTES, ("community", "integer")):
        attributes.append(_el("attribute", {"id": key, "title": key, "type": kind}))
    yield "    " + _xml(attributes) + "\n"
    yield f'    <nodes count="{len(data.nodes)}">\n'
    for n in data.nodes:
        node = _el(
            "node", {"id": n.id, "label": n.label, "start": _time(n.start), "end": _time(n.end)}
        )
        values = _el("attvalues")
        for key, value in (
            ("role", n.role),
            ("platform", n.platform),
            ("messages", n.messages),
            ("community", n.community),
        ):
            if value is not None:
                values.append(_el("attvalue", {"for": key, "value": value}))
        node.append(values)
        yield "      " + _xml(node) + "\n"
    yield "    </nodes>\n"
    yield f'    <edges count="{len(data.edges)}">\n'
    for k, e in enumerate(data.edges):
        edge = _el(
            "edge",
            {
                "id": f"e{k}",
                "source": e.source,
                "target": e.target,
                "weight": e.weight,
                "start": _time(e.first),
                "end": _time(e.last),
            },
        )
        yield "      " + _xml(edge) + "\n"
    yield "    </edges>\n  </graph>\n</gexf>\n"


def graphml_lines(data: NetworkFile) -> Iterator[str]:
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield _open_tag(_el("graphml", {"xmlns": GRAPHML_NS})) + "\n"
    keys = [
        ("label", "node", "string"),
        ("role", "node", "string"),
        ("platform", "node", "string"),
        ("messages", "node", "int"),
        ("community", "node", "int"),
        ("weight", "edge", "double"),
        ("first", "edge", "string"),
        ("last", "edge", "string"),
    ]
    for name, where, kind in keys:
        yield (
            "  "
            + _xml(_el("key", {"id": name, "for": where, "attr.name": name, "attr.type": kind}))
            + "\n"
        )
    yield '  <graph id="lien" edgedefault="directed">\n'
    for n in data.nodes:
        node = _el("node", {"id": n.id})
        for key, value in (
            ("label", n.label),
            ("role", n.role),
            ("platform", n.platform),
            ("messages", n.messages),
            ("community", n.community),
        ):
            if value is not None:
                node.append(_el("data", {"key": key}, str(value)))
        yield "    " + _xml(node) + "\n"
    for e in data.edges:
        edge = _el("edge", {"source": e.source, "target": e.target})
        edge.append(_el("data", {"key": "weight"}, str(e.weight)))
        edge.append(_el("data", {"key": "first"}, _time(e.first) + "Z"))
        edge.append(_el("data", {"key": "last"}, _time(e.last) + "Z"))
        yield "    " + _xml(edge) + "\n"
    yield "  </graph>\n</graphml>\n"


def node_link(data: NetworkFile) -> dict[str, Any]:
    """The node-link JSON of d3 and networkx (`node_link_graph(data, edges="links")`)."""
    return {
        "directed": True,
        "multigraph": False,
        "graph": {
            "since": data.since.isoformat(),
            "until": data.until.isoformat(),
            "communities": data.communities,
            "modularity": data.modularity,
        },
        "nodes": [
            {
                "id": n.id,
                "label": n.label,
                "role": n.role,
                "platform": n.platform,
                "messages": n.messages,
                "community": n.community,
            }
            for n in data.nodes
        ],
        "links": [
            {
                "source": e.source,
                "target": e.target,
                "weight": e.weight,
                "first": _time(e.first) + "Z",
                "last": _time(e.last) + "Z",
            }
            for e in data.edges
        ],
    }


def _write_json(data: NetworkFile, out: IO[str]) -> None:
    json.dump(node_link(data), out, ensure_ascii=False)


def _write_lines(lines: Callable[[NetworkFile], Iterator[str]]) -> Callable[..., None]:
    def write(data: NetworkFile, out: IO[str]) -> None:
        for line in lines(data):
            out.write(line)

    return write


WRITERS: dict[str, Callable[[NetworkFile, IO[str]], None]] = {
    ".gexf": _write_lines(gexf_lines),
    ".graphml": _write_lines(graphml_lines),
    ".json": _write_json,
}


def write_network(data: NetworkFile, path: Path) -> None:
    writer = WRITERS.get(path.suffix.lower())
    if writer is None:
        raise LienError(
            f"{path}: unknown network format {path.suffix!r}; use " + ", ".join(sorted(WRITERS))
        )
    with path.open("w", encoding="utf-8", newline="\n") as out:
        writer(data, out)
