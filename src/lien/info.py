"""What a workspace holds: counts per platform, date range, accounts, imports, rejects."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .workspace import Workspace


def _rows(ws: Workspace, query: str) -> list[dict[str, Any]]:
    cur = ws.con.execute(query)
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def workspace_info(ws: Workspace) -> dict[str, Any]:
    return {
        "path": str(ws.path),
        "settings": {k: v for k, v in ws.settings().items() if k != "pseudonym_key"},
        "platforms": _rows(
            ws,
            """
            SELECT platform, count(*) AS messages, count(DISTINCT author_id) AS authors,
                   count(*) FILTER (WHERE parent_id IS NULL) AS top_level,
                   min(created_at) AS first, max(created_at) AS last
            FROM messages GROUP BY platform ORDER BY platform
            """,
        ),
        "accounts": ws.accounts(),
        "imports": _rows(
            ws,
            """
            SELECT id, path, source, status, read, stored, updated, duplicates, rejected,
                   finished_at
            FROM imports ORDER BY id
            """,
        ),
        "rejects": _rows(
            ws,
            """
            SELECT i.path, r.kind, r.reason, count(*) AS records, min(r.location) AS example
            FROM rejects r JOIN imports i ON i.id = r.import_id
            GROUP BY ALL ORDER BY records DESC, i.path LIMIT 50
            """,
        ),
    }
