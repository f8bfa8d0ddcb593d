"""`lien serve`: the inbox, the figures, imports and the report in a web page on this computer."""

from __future__ import annotations

import webbrowser
from pathlib import Path

import click

from ..errors import LienError
from ._common import console, db_option, escape, open_ws


@click.command()
@click.option("--port", type=int, default=8765, show_default=True, help="Port to listen on.")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; only this computer's own (the page has no login).",
)
@click.option("--open/--no-open", "open_browser", default=True, help="Open the page in a browser.")
@click.option("--verbose", is_flag=True, help="Log every request.")
@db_option
def serve(port: int, host: str, open_browser: bool, verbose: bool, db: Path | None) -> None:
    """Open the workspace in a web page: inbox, figures, people, imports, accounts, report."""
    from ..web import is_loopback, make_server

    if not is_loopback(host):
        raise LienError(
            f"{host} is not this computer's own address: lien serve has no login, so it only "
            "listens on 127.0.0.1 (or ::1); share the report instead"
        )
    with open_ws(db) as ws:
        try:
            server = make_server(ws, host, port, verbose=verbose)
        except OSError as e:
            raise LienError(
                f"cannot listen on {host}:{port} ({e.strerror}): another program uses it; "
                "choose another with --port"
            ) from None
        console.print(f"lien is open at [bold]{escape(server.url)}[/] (Ctrl+C to stop)")
        if open_browser:
            webbrowser.open(server.url)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            console.print("stopped")
        finally:
            server.server_close()
            server.app.close()
