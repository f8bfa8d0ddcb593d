"""`lien serve`: a local web page over the workspace (see app.py)."""

from __future__ import annotations

from .app import LienServer, WebApp, is_loopback, make_server

__all__ = ["LienServer", "WebApp", "is_loopback", "make_server"]
