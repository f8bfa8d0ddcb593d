"""A structural check of GEXF 1.3 files, written from the published schema's rules.

The official XSD cannot be fetched at test time and no package on PyPI ships it, so the rules
lien relies on are restated here: which element may hold which (and in what order), which
attributes each element takes, the required ones, the enumerations, the types of values
(xs:dateTime, xs:double, xs:nonNegativeInteger, the declared attribute types), and the
references the schema leaves to applications (attvalue → declared attribute, edge → node,
edge spans inside their nodes' spans) that Gephi enforces on import.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from xml.etree import ElementTree as ET

NAMESPACES = ("http://gexf.net/1.3", "http://www.gexf.net/1.3")
XSI = "{http://www.w3.org/2001/XMLSchema-instance}"

TIME_FORMATS = {"integer", "double", "date", "dateTime"}
ATTRIBUTE_TYPES = {
    "integer", "long", "double", "float", "boolean", "bigdecimal", "biginteger", "byte",
    "char", "short", "liststring", "listboolean", "listinteger", "listlong", "listfloat",
    "listdouble", "listbyte", "listshort", "listbigdecimal", "listbiginteger", "listchar",
    "string", "anyURI",
}  # fmt: skip
GRAPH_ATTRS = {
    "defaultedgetype": {"directed", "undirected", "mutual"},
    "mode": {"static", "dynamic", "slice"},
    "timeformat": TIME_FORMATS,
    "timerepresentation": {"interval", "timestamp"},
    "idtype": {"integer", "string", "long"},
    "timezone": None,
    "start": None,
    "end": None,
    "timestamp": None,
}
TIME_ATTRS = {"start", "end", "timestamp"}
NODE_ATTRS = {"id", "label", "pid", "start", "end", "timestamp", "timestamps", "intervals"}
EDGE_ATTRS = {
    "id", "source", "target", "type", "label", "weight", "kind",
    "start", "end", "timestamp", "timestamps", "intervals",
}  # fmt: skip
EDGE_TYPES = {"directed", "undirected", "mutual"}
DATE_TIME = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
INTEGER = re.compile(r"^[+-]?\d+$")
DOUBLE = re.compile(r"^([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]?INF|NaN)$")


class GexfError(AssertionError):
    pass


def _fail(where: str, message: str) -> None:
    raise GexfError(f"{where}: {message}")


def _local(element: ET.Element, ns: str) -> str:
    if not element.tag.startswith("{" + ns + "}"):
        _fail(element.tag, f"element outside the GEXF namespace {ns}")
    return element.tag[len(ns) + 2 :]


def _attrs(element: ET.Element, allowed: set[str], required: set[str], where: str) -> None:
    names = {k for k in element.attrib if not k.startswith(XSI)}
    if names - allowed:
        _fail(where, f"attributes not allowed here: {sorted(names - allowed)}")
    if required - names:
        _fail(where, f"required attributes missing: {sorted(required - names)}")


def _time(value: str, fmt: str, where: str) -> datetime | float:
    if fmt == "dateTime":
        if not DATE_TIME.match(value):
            _fail(where, f"{value!r} is not an xs:dateTime")
        return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)
    if fmt == "date":
        return datetime.combine(date.fromisoformat(value), datetime.min.time())
    if not (INTEGER if fmt == "integer" else DOUBLE).match(value):
        _fail(where, f"{value!r} is not a time of format {fmt}")
    return float(value)


def _typed(value: str, kind: str, where: str) -> None:
    checks = {
        "integer": INTEGER, "long": INTEGER, "short": INTEGER, "byte": INTEGER,
        "biginteger": INTEGER, "double": DOUBLE, "float": DOUBLE, "bigdecimal": DOUBLE,
    }  # fmt: skip
    if kind in checks and not checks[kind].match(value):
        _fail(where, f"{value!r} is not a valid {kind}")
    if kind == "boolean" and value not in ("true", "false", "1", "0"):
        _fail(where, f"{value!r} is not a boolean")


def check_gexf(text: str) -> ET.Element:
    """Parse (well-formedness) and check the structure; return the root. Raises GexfError."""
    root = ET.fromstring(text)
    ns = next((n for n in NAMESPACES if root.tag == "{" + n + "}gexf"), None)
    if ns is None:
        _fail(root.tag, "the root must be gexf in the GEXF 1.3 namespace")
    assert ns is not None
    _attrs(root, {"version", "variant"}, {"version"}, "gexf")
    if root.get("version") != "1.3":
        _fail("gexf", "version must be 1.3")
    children = [_local(c, ns) for c in root]
    if children not in (["graph"], ["meta", "graph"]):
        _fail("gexf", f"expected (meta?, graph), found {children}")
    for child in root:
        if _local(child, ns) == "meta":
            _attrs(child, {"lastmodifieddate"}, set(), "meta")
            if child.get("lastmodifieddate"):
                date.fromisoformat(child.get("lastmodifieddate", ""))
            for item in child:
                if _local(item, ns) not in ("creator", "keywords", "description") or len(item):
                    _fail("meta", f"unexpected {item.tag}")
    graph = root[-1]
    _attrs(graph, set(GRAPH_ATTRS), set(), "graph")
    for key, allowed in GRAPH_ATTRS.items():
        if allowed and key in graph.attrib and graph.get(key) not in allowed:
            _fail("graph", f"{key}={graph.get(key)!r} is not one of {sorted(allowed)}")
    fmt = graph.get("timeformat", "double")
    intervals = graph.get("timerepresentation", "interval") == "interval"
    parts = [_local(c, ns) for c in graph]
    seen = [p for p in parts if p != "attributes"]
    if parts[: len(parts) - len(seen)] != ["attributes"] * (len(parts) - len(seen)) or seen not in (
        [],
        ["nodes"],
        ["nodes", "edges"],
    ):
        _fail("graph", f"expected (attributes*, nodes?, edges?), found {parts}")
    declared: dict[str, dict[str, str]] = {"node": {}, "edge": {}}
    for attributes in graph.findall(f"{{{ns}}}attributes"):
        _attrs(attributes, {"class", "mode"}, {"class"}, "attributes")
        klass = attributes.get("class", "")
        if klass not in declared:
            _fail("attributes", f"class {klass!r} is not node or edge")
        for attribute in attributes:
            if _local(attribute, ns) != "attribute":
                _fail("attributes", f"unexpected {attribute.tag}")
            _attrs(attribute, {"id", "title", "type"}, {"id", "title", "type"}, "attribute")
            if attribute.get("type") not in ATTRIBUTE_TYPES:
                _fail("attribute", f"type {attribute.get('type')!r} is not a GEXF type")
            if attribute.get("id", "") in declared[klass]:
                _fail("attribute", f"id {attribute.get('id')!r} declared twice")
            declared[klass][attribute.get("id", "")] = attribute.get("type", "")
            for sub in attribute:
                if _local(sub, ns) not in ("default", "options"):
                    _fail("attribute", f"unexpected {sub.tag}")

    def spans(element: ET.Element, where: str) -> tuple[object, object]:
        if intervals and "timestamp" in element.attrib:
            _fail(where, "timestamp in a graph of intervals")
        start = _time(element.get("start", ""), fmt, where) if "start" in element.attrib else None
        end = _time(element.get("end", ""), fmt, where) if "end" in element.attrib else None
        if start is not None and end is not None and start > end:  # type: ignore[operator]
            _fail(where, f"start {start} after end {end}")
        return start, end

    def attvalues(element: ET.Element, klass: str, where: str) -> None:
        for container in element:
            tag = _local(container, ns)
            if tag == "attvalues":
                for value in container:
                    if _local(value, ns) != "attvalue":
                        _fail(where, f"unexpected {value.tag} in attvalues")
                    _attrs(
                        value, {"for", "id", "value", "start", "end", "timestamp"}, {"value"}, where
                    )
                    key = value.get("for", value.get("id"))
                    if key not in declared[klass]:
                        _fail(where, f"attvalue for undeclared attribute {key!r}")
                    _typed(value.get("value", ""), declared[klass][key or ""], where)
                    spans(value, where)
            elif tag == "spells":
                for spell in container:
                    if _local(spell, ns) != "spell":
                        _fail(where, f"unexpected {spell.tag} in spells")
                    spans(spell, where)
            elif tag not in ("parents", "nodes"):
                _fail(where, f"unexpected {container.tag}")

    node_spans: dict[str, tuple[object, object]] = {}
    nodes = graph.find(f"{{{ns}}}nodes")
    if nodes is not None:
        _attrs(nodes, {"count"}, set(), "nodes")
        if "count" in nodes.attrib and int(nodes.get("count", "")) != len(nodes):
            _fail("nodes", f"count={nodes.get('count')} but {len(nodes)} nodes")
        for node in nodes:
            where = f"node {node.get('id')!r}"
            if _local(node, ns) != "node":
                _fail("nodes", f"unexpected {node.tag}")
            _attrs(node, NODE_ATTRS, {"id"}, where)
            if node.get("id", "") in node_spans:
                _fail(where, "duplicate node id")
            node_spans[node.get("id", "")] = spans(node, where)
            attvalues(node, "node", where)
    edges = graph.find(f"{{{ns}}}edges")
    if edges is not None:
        _attrs(edges, {"count"}, set(), "edges")
        if "count" in edges.attrib and int(edges.get("count", "")) != len(edges):
            _fail("edges", f"count={edges.get('count')} but {len(edges)} edges")
        ids: set[str] = set()
        for edge in edges:
            where = f"edge {edge.get('id')!r}"
            if _local(edge, ns) != "edge":
                _fail("edges", f"unexpected {edge.tag}")
            _attrs(edge, EDGE_ATTRS, {"source", "target"}, where)
            if "id" in edge.attrib:
                if edge.get("id", "") in ids:
                    _fail(where, "duplicate edge id")
                ids.add(edge.get("id", ""))
            if "type" in edge.attrib and edge.get("type") not in EDGE_TYPES:
                _fail(where, f"type {edge.get('type')!r}")
            if "weight" in edge.attrib and not DOUBLE.match(edge.get("weight", "")):
                _fail(where, f"weight {edge.get('weight')!r} is not an xs:double")
            start, end = spans(edge, where)
            for end_name in ("source", "target"):
                node_id = edge.get(end_name, "")
                if node_id not in node_spans:
                    _fail(where, f"{end_name} {node_id!r} is not a node")
                n_start, n_end = node_spans[node_id]
                if start is not None and n_start is not None and start < n_start:  # type: ignore[operator]
                    _fail(where, f"starts before its {end_name} node")
                if end is not None and n_end is not None and end > n_end:  # type: ignore[operator]
                    _fail(where, f"ends after its {end_name} node")
            attvalues(edge, "edge", where)
    return root
