"""`lien network`: the interaction graph as a GEXF, GraphML or JSON file."""

from __future__ import annotations

from pathlib import Path

import click

from ..network_export import WRITERS, network_file, write_network
from ._common import console, db_option, escape, open_ws


@click.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="File to write: .gexf (Gephi, with its timeline), .graphml or .json (node-link).",
)
@click.option("--since", help="First day (YYYY-MM-DD, workspace time zone).")
@click.option("--until", help="Day after the last (YYYY-MM-DD, exclusive).")
@click.option("--platform", "platforms", multiple=True, help="Only this platform (repeatable).")
@click.option("--members-only", is_flag=True, help="Leave out owned accounts and bots.")
@click.option("--names", is_flag=True, help="Label people with their handles, not pseudonyms.")
@db_option
def network(
    output: Path,
    since: str | None,
    until: str | None,
    platforms: tuple[str, ...],
    members_only: bool,
    names: bool,
    db: Path | None,
) -> None:
    """Who replied to whom: nodes with role, platform, messages and community; edges with
    their weight and first and last exchange."""
    if output.suffix.lower() not in WRITERS:
        raise click.BadParameter(
            f"{output.name}: use a name ending in " + ", ".join(sorted(WRITERS)),
            param_hint="-o/--output",
        )
    with open_ws(db) as ws:  # writable: the pseudonym key is created on first use
        with console.status("building the interaction graph and its communities"):
            data = network_file(ws, since, until, platforms, members_only, names)
        with console.status(f"writing {escape(output)}"):
            write_network(data, output)
    found = "—" if data.communities is None else f"{data.communities:,}"
    console.print(
        f"{escape(output)}: {len(data.nodes):,} nodes, {len(data.edges):,} edges, "
        f"{found} communities ({data.since} to {data.until}, until exclusive)",
        soft_wrap=True,
    )
