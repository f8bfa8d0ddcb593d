"""The metric views as DuckDB views in the workspace, for people who query it with SQL.

They are compiled from the very Ibis expressions the metrics use (so there is one definition),
and rebuilt when a setting they depend on changes. Accounts are joined inside the views, so
declaring an account re-labels what they show at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis

from .compute import workspace_tables
from .views import Settings, Views

if TYPE_CHECKING:
    from ..workspace import Workspace

# Settings whose value is compiled into the views.
DEPENDS_ON = ("timezone", "bot_handles", "question_words", "business_hours", "business_days")
VIEWS = ("threads", "exchanges", "responses", "activity")


def refresh(ws: Workspace) -> None:
    """(Re)create the views threads, exchanges, responses and activity."""
    messages, accounts = workspace_tables(ws)
    views = Views(messages, accounts, Settings.of(ws), "month", materialise=False)
    base_sql = ibis.to_sql(
        views.base.select(
            "platform",
            "id",
            "parent_id",
            "root_id",
            "author_id",
            "role",
            "kind",
            "flat",
            "created_at",
            "local",
            "month_start",
            "is_question",
        ),
        dialect="duckdb",
    )
    ws.con.execute(
        f"""
        CREATE OR REPLACE VIEW threads AS
        WITH RECURSIVE base AS ({base_sql}),
        depth(platform, id, depth) AS (
            SELECT platform, id, 0 FROM base WHERE parent_id IS NULL
            UNION ALL
            SELECT b.platform, b.id, d.depth + 1
            FROM base b JOIN depth d ON b.platform = d.platform AND b.parent_id = d.id
        )
        SELECT base.*, depth.depth FROM base LEFT JOIN depth USING (platform, id)
        """
    )
    exchanges = views.exchanges.select(
        "platform",
        "id",
        "parent_id",
        "author_id",
        "role",
        "p_author_id",
        "p_role",
        "direction",
        "created_at",
    ).rename(parent_author_id="p_author_id", parent_role="p_role")
    responses = views.responses.select(
        "platform",
        "id",
        "author_id",
        "created_at",
        "kind",
        "is_question",
        "addressed",
        "answered",
        "first_response",
        "ttfr_h",
        "ttfr_business_h",
        "within_24h",
    )
    activity = views.base.filter(views.base.role == "member")
    activity = activity.group_by(
        ["platform", "author_id", activity.month_start.name("month")]
    ).aggregate(messages=activity.count())
    for name, expr in (("exchanges", exchanges), ("responses", responses), ("activity", activity)):
        ws.con.execute(f"CREATE OR REPLACE VIEW {name} AS {ibis.to_sql(expr, dialect='duckdb')}")
