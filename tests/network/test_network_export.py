"""`lien network`: GEXF 1.3, GraphML and JSON files of the interaction graph."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import igraph
import networkx as nx
import pytest
from click.testing import CliRunner

from lien.cli import cli
from lien.errors import LienError
from lien.metrics import compute
from lien.network_export import NetworkFile, gexf_lines, network_file, write_network
from lien.privacy import pseudonymizer
from lien.workspace import Workspace

from ..csv_community import load, msg
from .gexf_check import GexfError, check_gexf

NS = "{http://gexf.net/1.3}"
PSEUDONYM = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")
NASTY = "ana<\"&'>\x01"  # a handle with XML specials and a control character

ROWS = [
    msg("p", None, "acc", "2021-03-01T09:00:00Z", handle="office_lac"),
    msg("c1", "p", "u111", "2021-03-01T10:00:00Z", handle="elodie_m"),
    msg("c2", "c1", "u222", "2021-03-02T10:00:00Z", handle=NASTY),
    msg("c3", "c2", "u111", "2021-03-03T10:00:00Z", handle="elodie_m"),
    msg("c4", "c1", "u222", "2021-03-04T10:00:00Z", handle=NASTY),
    msg("a1", "c1", "acc", "2021-03-05T10:00:00Z", handle="office_lac"),
    msg("c5", "p", "u333", "2021-03-06T10:00:00Z", handle="paul_v"),
    msg("b1", "p", "spam", "2021-03-07T10:00:00Z", handle="spam_bot"),
    msg("late", "c5", "u111", "2021-04-10T10:00:00Z", handle="elodie_m"),
]
MEMBER_IDS = ("u111", "u222", "u333")
HANDLES = ("elodie_m", "paul_v", "ana<")


@pytest.fixture
def community(ws: Workspace, tmp_path: Path) -> Workspace:
    load(ws, tmp_path, ROWS, accounts=[("mastodon", "acc")])
    ws.set_setting("bot_handles", "spam_bot")
    return ws


def _nodes(root: object) -> dict[str, dict[str, str]]:
    out = {}
    for node in root.iter(f"{NS}node"):  # type: ignore[attr-defined]
        values = {v.get("for"): v.get("value") for v in node.iter(f"{NS}attvalue")}
        out[node.get("id")] = {**node.attrib, **values}
    return out


def test_gexf_is_valid_dynamic_and_pseudonymous(community: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "march.gexf"
    data = network_file(community, since="2021-03-01", until="2021-04-01")
    write_network(data, path)
    text = path.read_text(encoding="utf-8")
    root = check_gexf(text)
    graph = root.find(f"{NS}graph")
    assert graph is not None and graph.get("mode") == "dynamic"
    nodes = _nodes(root)
    by_label = {n["label"]: n for n in nodes.values()}
    # Nodes: acc, u111, u222, u333, spam (the April reply is out of the window).
    assert len(nodes) == 5
    members = [n for n in nodes.values() if n["role"] == "member"]
    assert len(members) == 3 and all(PSEUDONYM.match(n["label"]) for n in members)
    for secret in (*MEMBER_IDS, *HANDLES, "spam"):
        assert secret not in text  # neither ids nor handles of people
    assert by_label["acc"]["role"] == "account"  # the destination's own account is named
    assert [n["role"] for n in nodes.values()].count("bot") == 1
    # u111 wrote c1 and c3 in March; u222 c2 and c4.
    assert sorted(int(n["messages"]) for n in members) == [1, 2, 2]
    edges = {(e.get("source"), e.get("target")): e.attrib for e in root.iter(f"{NS}edge")}
    alias = pseudonymizer(community)
    u111, u222 = (by_label[alias("mastodon", who)]["id"] for who in ("u111", "u222"))
    acc = by_label["acc"]["id"]
    # u222 replied twice to u111 (c2 on the 2nd, c4 on the 4th): one edge of weight 2.
    e = edges[(u222, u111)]
    assert (e["weight"], e["start"], e["end"]) == (
        "2",
        "2021-03-02T10:00:00",
        "2021-03-04T10:00:00",
    )
    assert edges[(u111, acc)]["weight"] == "1"
    assert edges[(acc, u111)]["start"] == "2021-03-05T10:00:00"
    assert len(edges) == 6  # + u111->u222, u333->acc, spam->acc
    # A node lives from its first message or exchange to its last: u111 from c1 to the
    # account's answer a1; the account from its post to the bot's reply.
    assert (nodes[u111]["start"], nodes[u111]["end"]) == (
        "2021-03-01T10:00:00",
        "2021-03-05T10:00:00",
    )
    assert (nodes[acc]["start"], nodes[acc]["end"]) == (
        "2021-03-01T09:00:00",
        "2021-03-07T10:00:00",
    )
    # Communities: u111-u222 is the only member tie: one community; the others have none.
    assert nodes[u111]["community"] == nodes[u222]["community"] == "0"
    assert "community" not in by_label["acc"]
    network = compute(community, since="2021-03-01", until="2021-04-01")["network"]
    assert data.communities == network["communities"] == 1
    assert data.modularity == pytest.approx(network["modularity"])


def test_names_show_handles_escaped(community: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "named.gexf"
    write_network(network_file(community, names=True), path)
    root = check_gexf(path.read_text(encoding="utf-8"))
    labels = {n["label"] for n in _nodes(root).values()}
    assert {"elodie_m", "paul_v", "office_lac", "spam_bot", "ana<\"&'>\ufffd"} == labels


def test_members_only_leaves_accounts_and_bots_out(community: Workspace, tmp_path: Path) -> None:
    data = network_file(community, members_only=True)
    assert {n.role for n in data.nodes} == {"member"} and len(data.nodes) == 3
    # Whole workspace: u222 -> u111 (2), u111 -> u222 (1), u111 -> u333 (April).
    assert sorted(e.weight for e in data.edges) == [1, 1, 2]
    assert data.communities == 1  # u111, u222 and u333 form one group
    write_network(data, tmp_path / "m.gexf")
    check_gexf((tmp_path / "m.gexf").read_text(encoding="utf-8"))


def test_graphml_reads_back_in_networkx_and_igraph(community: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "g.graphml"
    data = network_file(community)
    write_network(data, path)
    g = nx.read_graphml(path)
    assert g.is_directed()
    assert g.number_of_nodes() == len(data.nodes) == 5
    assert g.number_of_edges() == len(data.edges)
    assert sum(d["weight"] for _, _, d in g.edges(data=True)) == sum(e.weight for e in data.edges)
    assert {d["role"] for _, d in g.nodes(data=True)} == {"member", "account", "bot"}
    ig = igraph.Graph.Read_GraphML(str(path))
    assert (ig.vcount(), ig.ecount()) == (5, len(data.edges))
    assert sorted(ig.es["weight"]) == sorted(float(e.weight) for e in data.edges)


def test_json_is_networkx_node_link(community: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "g.json"
    data = network_file(community)
    write_network(data, path)
    document = json.loads(path.read_text(encoding="utf-8"))
    g = nx.node_link_graph(document, edges="links")
    assert g.is_directed() and g.number_of_edges() == len(data.edges)
    assert document["graph"]["communities"] == compute(community)["network"]["communities"]
    first = {(e["source"], e["target"]): e["first"] for e in document["links"]}
    assert min(first.values()) == "2021-03-01T10:00:00Z"  # c1 → p: u111 to the account


def test_unknown_suffix_and_empty_window(community: Workspace, tmp_path: Path) -> None:
    with pytest.raises(LienError, match="unknown network format"):
        write_network(network_file(community), tmp_path / "g.csv")
    with pytest.raises(LienError, match="window is empty"):
        network_file(community, since="2021-05-01", until="2021-04-01")


def test_the_checker_catches_broken_files() -> None:
    good = NetworkFile(date(2021, 3, 1), date(2021, 4, 1), [], [], None, None)
    text = "".join(gexf_lines(good))
    check_gexf(text)
    with pytest.raises(GexfError, match="version"):
        check_gexf(text.replace('version="1.3"', 'version="1.2"'))
    with pytest.raises(GexfError, match="timeformat"):
        check_gexf(text.replace('timeformat="dateTime"', 'timeformat="datetime"'))
    broken_edge = text.replace(
        '<edges count="0">', '<edges count="1"><edge id="e0" source="n0" target="n1" />'
    )
    with pytest.raises(GexfError, match="not a node"):
        check_gexf(broken_edge)
    with pytest.raises(GexfError, match="xs:dateTime"):
        check_gexf(
            text.replace('<nodes count="0">', '<nodes count="1"><node id="n0" start="March" />')
        )


def test_cli_writes_every_format(community: Workspace, tmp_path: Path) -> None:
    db = str(community.path)
    community.close()
    runner = CliRunner()
    for suffix in (".gexf", ".graphml", ".json"):
        out = tmp_path / f"net{suffix}"
        result = runner.invoke(
            cli, ["network", "-o", str(out), "--since", "2021-03-01", "--until", "2021-04-01",
                  "--platform", "mastodon", "--db", db],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert "5 nodes" in result.output and out.stat().st_size > 0
    named = runner.invoke(cli, ["network", "-o", str(tmp_path / "n.gexf"), "--names", "--db", db])
    assert named.exit_code == 0 and "elodie_m" in (tmp_path / "n.gexf").read_text("utf-8")
    bad = runner.invoke(cli, ["network", "-o", str(tmp_path / "n.txt"), "--db", db])
    assert bad.exit_code != 0 and ".gexf" in bad.output
