"""Every network key of METRICS.md on small graphs worked out by hand (reasoning in comments)."""

from __future__ import annotations

from datetime import date, datetime
from itertools import combinations
from pathlib import Path

import pytest

from lien.metrics import compute
from lien.workspace import Workspace

from ..csv_community import load, msg
from .graphs import block, m, network, window

NULL_RATIOS = {
    "reciprocity": None,
    "account_tie_share": None,
    "member_component_share": None,
    "communities": None,
    "modularity": None,
}


def test_a_pure_star_around_the_account() -> None:
    rows = [m("p", None, "acc")] + [m(f"c{i}", "p", f"m{i}", i) for i in range(1, 5)]
    net = network(rows)
    # 4 ties acc-mi, one direction each; every member alone once the account is removed.
    assert net == {
        "people": 4,
        "ties": 4,
        "reciprocity": 0.0,
        "account_tie_share": 1.0,
        "member_component_share": pytest.approx(1 / 4),
        "communities": None,  # no tie between two members: no member-only graph
        "modularity": None,
    }


def test_reciprocated_pairs_two_components_and_their_communities() -> None:
    rows = [
        m("p1", None, "m1"),
        m("c1", "p1", "m2", 1),  # m2 -> m1
        m("c2", "c1", "m1", 2),  # m1 -> m2: reciprocated, weight 2 undirected
        m("p2", None, "m3", 3),
        m("c3", "p2", "m4", 4),  # m4 -> m3, weight 1
    ]
    net = network(rows)
    assert net["people"] == 4
    assert net["ties"] == 2
    assert net["reciprocity"] == pytest.approx(1 / 2)
    assert net["account_tie_share"] == 0.0
    assert net["member_component_share"] == pytest.approx(2 / 4)
    # Leiden keeps the two components apart. Total weight 3; Q = sum over communities of
    # (inner weight / 3 - (degree sum / 6)^2): {m1,m2}: 2/3 - (4/6)^2, {m3,m4}: 1/3 - (2/6)^2.
    assert net["communities"] == 2
    assert net["modularity"] == pytest.approx(2 / 3 - 4 / 9 + 1 / 3 - 1 / 9)


def test_two_cliques_and_a_bridge_make_two_communities() -> None:
    rows = [m(f"P{i}", None, f"m{i}", i) for i in range(8)]
    k = 0
    for group in (range(0, 4), range(4, 8)):
        for i, j in combinations(group, 2):  # j comments on i's post: one exchange per pair
            rows.append(m(f"x{k}", f"P{i}", f"m{j}", 10 + k))
            k += 1
    rows.append(m("bridge", "P3", "m4", 100))
    net = network(rows, accounts=[])
    assert net["ties"] == 13 and net["people"] == 8
    assert net["member_component_share"] == 1.0
    # 13 ties of weight 1; each clique: 6 inner ties, degree sum 13. Q = 2 (6/13 - (13/26)^2).
    assert net["communities"] == 2
    assert net["modularity"] == pytest.approx(2 * (6 / 13 - 1 / 4))


def test_component_share_ignores_the_account_and_counts_members_tied_to_it_alone() -> None:
    rows = [
        m("p", None, "acc"),
        *(m(f"c{i}", "p", f"m{i}", i) for i in range(1, 7)),
        m("r1", "c1", "m2", 10),  # m2 -> m1
        m("r2", "c2", "m3", 11),  # m3 -> m2: {m1, m2, m3}
        m("r3", "c4", "m5", 12),  # m5 -> m4: {m4, m5}; m6 only tied to the account
        m("r4", "c6", "acc", 13),  # acc -> m6: reciprocates acc-m6
    ]
    net = network(rows)
    # ties: acc-m1..m6 (6), m1-m2, m2-m3, m4-m5 (3) = 9; reciprocated: acc-m6.
    assert net["ties"] == 9
    assert net["reciprocity"] == pytest.approx(1 / 9)
    assert net["account_tie_share"] == pytest.approx(6 / 9)
    assert net["member_component_share"] == pytest.approx(3 / 6)
    assert net["communities"] == 2  # {m1, m2, m3} and {m4, m5}; m6 has no member tie


def test_account_only_ties() -> None:
    rows = [m("p", None, "acc")]
    for i in range(1, 4):
        rows += [m(f"c{i}", "p", f"m{i}", i), m(f"a{i}", f"c{i}", "acc", 10 + i)]
    net = network(rows)
    assert net == {
        "people": 3,
        "ties": 3,
        "reciprocity": 1.0,
        "account_tie_share": 1.0,
        "member_component_share": pytest.approx(1 / 3),
        "communities": None,
        "modularity": None,
    }


def test_self_replies_make_no_tie() -> None:
    rows = [m("p", None, "m1"), m("s", "p", "m1", 1), m("s2", "s", "m1", 2)]
    assert network(rows) == {"people": 1, "ties": 0, **NULL_RATIOS}


def test_unknown_authors_are_no_node_and_no_tie() -> None:
    rows = [
        m("p", None, "m1"),
        m("u", "p", None, 1),  # unknown replies to m1: no tie
        m("c", "u", "m2", 2),  # m2 replies to the unknown: no tie
    ]
    assert network(rows) == {"people": 2, "ties": 0, **NULL_RATIOS}


def test_orphans_make_no_tie() -> None:
    assert network([m("o", "gone", "m1"), m("c", "o", "m2", 1)])["ties"] == 1  # m2 -> m1 only


def test_bots_are_tied_but_are_not_people() -> None:
    rows = [
        m("p", None, "m1"),
        m("b", "p", "bot", 1, bot=True),  # bot -> m1
        m("c", "p", "m2", 2),  # m2 -> m1
        m("d", "b", "m3", 3),  # m3 -> bot
    ]
    net = network(rows)
    assert net["people"] == 3 and net["ties"] == 3
    # Tied members m1, m2, m3; without the bot only m1-m2 stays.
    assert net["member_component_share"] == pytest.approx(2 / 3)
    assert net["account_tie_share"] == 0.0


def test_one_person_per_platform_and_id() -> None:
    rows = [
        m("p", None, "m1"),
        m("c", "p", "m2", 1),
        m("p", None, "m1", platform="x"),  # same ids on another platform
        m("c", "p", "m2", 1, platform="x"),
    ]
    net = network(rows, accounts=[])
    assert net["people"] == 4 and net["ties"] == 2 and net["communities"] == 2


def test_an_exchange_is_in_the_window_of_its_replying_message() -> None:
    rows = [
        m("p", None, "m1", datetime(2021, 1, 5)),
        m("c", "p", "m2", datetime(2021, 2, 5)),  # m2 -> m1, in February
        m("d", "c", "m3", datetime(2021, 3, 5)),  # m3 -> m2, in March
    ]
    feb = block(rows, win=window(date(2021, 2, 1), date(2021, 3, 1)))
    # m1 wrote in January: a node through the tie, not one of the window's people.
    assert (feb["people"], feb["ties"], feb["member_component_share"]) == (1, 1, 1.0)
    jan = block(rows, win=window(date(2021, 1, 1), date(2021, 2, 1)))
    assert (jan["people"], jan["ties"], jan["reciprocity"]) == (1, 0, None)
    both = network(rows, since="2021-02-01", until="2021-04-01")
    assert (both["people"], both["ties"], both["member_component_share"]) == (2, 2, 1.0)


def test_window_boundaries_follow_the_workspace_time_zone(ws: Workspace, tmp_path: Path) -> None:
    # Paris is UTC+1 in February: 2021-02-28T23:30Z is already March there.
    load(
        ws,
        tmp_path,
        [
            msg("p", None, "m1", "2021-02-10T10:00:00Z"),
            msg("c", "p", "m2", "2021-02-28T23:30:00Z"),
        ],
    )
    feb = compute(ws, since="2021-02-01", until="2021-03-01")["network"]
    march = compute(ws, since="2021-03-01", until="2021-04-01")["network"]
    assert (feb["ties"], march["ties"]) == (0, 1)


def test_through_the_workspace_and_the_import_pipeline(ws: Workspace, tmp_path: Path) -> None:
    load(
        ws,
        tmp_path,
        [
            msg("p", None, "acc", "2021-03-01T09:00:00Z"),
            msg("c1", "p", "m1", "2021-03-01T10:00:00Z"),
            msg("c2", "c1", "m2", "2021-03-01T11:00:00Z"),
            msg("c3", "c2", "m1", "2021-03-01T12:00:00Z"),
            msg("a", "c1", "acc", "2021-03-01T13:00:00Z"),
        ],
        accounts=[("mastodon", "acc")],
    )
    net = compute(ws)["network"]
    # ties acc-m1 (both ways), m1-m2 (both ways); m1-m2 alone: one community, Q = 0.
    assert net == {
        "people": 2,
        "ties": 2,
        "reciprocity": 1.0,
        "account_tie_share": 0.5,
        "member_component_share": 1.0,
        "communities": 1,
        "modularity": pytest.approx(0.0),
    }


def test_no_message_at_all_gives_nulls(ws: Workspace) -> None:
    assert compute(ws)["network"] == {"people": None, "ties": None, **NULL_RATIOS}


def test_ties_without_any_member() -> None:
    rows = [m("p", None, "bot", bot=True), m("a", "p", "acc", 1)]  # the account answers a bot
    assert network(rows) == {
        "people": 0,
        "ties": 1,
        "reciprocity": 0.0,
        "account_tie_share": 1.0,
        "member_component_share": None,  # no member has a tie
        "communities": None,
        "modularity": None,
    }
