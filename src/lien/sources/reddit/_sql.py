"""The SQL of the Reddit source: one thing (comment, submission, `more` stub) per row.

Each row is parsed once into a typed struct (`from_json`); a `{kind, data}` wrapper is opened
with a second parse of `data` only. Fields of the wrong type come out NULL instead of failing
the file; a damaged line gives a NULL struct that becomes a reject.
"""

from __future__ import annotations

import duckdb

from .._csv import blank_sql, trim_sql
from .._jsonl import first_char_sql

THING = (
    "{"
    '"kind": "VARCHAR", "data": "JSON", "id": "VARCHAR", "name": "VARCHAR", '
    '"author": "VARCHAR", "created_utc": "VARCHAR", "body": "VARCHAR", "title": "VARCHAR", '
    '"selftext": "VARCHAR", "permalink": "VARCHAR", "parent_id": "VARCHAR", '
    '"link_id": "VARCHAR", "score": "VARCHAR", "num_comments": "VARCHAR", '
    '"edited": "VARCHAR", "count": "VARCHAR", "children": ["VARCHAR"]'
    "}"
)
GONE = "('[deleted]', '[removed]')"

# Why a row is not a message, first match wins: (condition, kind, reason).
REJECT_RULES: tuple[tuple[str, str, str], ...] = (
    ("t0 IS NULL AND _first = '{'", "invalid", "'not valid JSON (damaged or truncated line)'"),
    (
        "t0 IS NULL AND TRY(json_valid(_raw))",
        "invalid",
        "'not a Reddit thing: a JSON ' || lower(json_type(_raw))",
    ),
    ("t0 IS NULL OR t IS NULL", "invalid", "'not valid JSON (damaged or truncated line)'"),
    (
        "_kind = 'more' AND (t.id = '_' OR TRY_CAST(t.count AS BIGINT) = 0)",
        "skipped",
        "'a \"continue this thread\" link under ' || coalesce(t.parent_id, '?')"
        " || ': deeper replies are not in the file'",
    ),
    (
        "_kind = 'more'",
        "skipped",
        "'a \"load more comments\" stub under ' || coalesce(t.parent_id, '?') || ': '"
        " || coalesce(t.count, '?') || ' comment(s) not in the file ('"
        " || coalesce(len(t.children), 0) || ' id(s) listed)'",
    ),
    (
        "_kind = 'Listing'",
        "invalid",
        "'a Listing inside JSON Lines: save each API response as its own .json file'",
    ),
    (
        "_kind IS NOT NULL AND _kind NOT IN ('t1', 't3')",
        "skipped",
        "'a Reddit ' || _kind || ' thing, not a post or comment'",
    ),
    ("_kind IS NULL", "invalid", "'not a Reddit post or comment (no body, no title)'"),
    ("_name IS NULL", "invalid", "'a Reddit ' || _kind || ' without id'"),
    (
        "_created IS NULL AND t.created_utc IS NOT NULL",
        "invalid",
        "_name || ': created_utc \"' || left(t.created_utc, 40) || '\" is not a Unix time'",
    ),
    ("_created IS NULL", "invalid", "_name || ': no created_utc'"),
    ("_kind = 't1' AND _parent IS NULL", "invalid", "_name || ': a comment without parent_id'"),
)


def _rules_case(part: str) -> str:
    whens = " ".join(
        f"WHEN {cond} THEN {reason if part == 'reason' else repr(kind)}"
        for cond, kind, reason in REJECT_RULES
    )
    return f"(CASE {whens} END)"


def _unescape(expr: str) -> str:
    # Most texts hold no `&`: testing for it first spares three copies of every text.
    replaced = f"replace(replace(replace({expr}, '&lt;', '<'), '&gt;', '>'), '&amp;', '&')"
    return f"CASE WHEN contains({expr}, '&') THEN {replaced} ELSE {expr} END"


def _unix(expr: str) -> str:
    # Microseconds since the epoch straight into a (UTC) TIMESTAMP: several times faster than
    # to_timestamp(), whose TIMESTAMPTZ needs a time-zone conversion per row.
    micros = f"TRY_CAST(TRY_CAST({expr} AS DOUBLE) * 1000000 AS BIGINT)"
    return f"TRY(make_timestamp({micros}))"


def insert_mapped(
    con: duckdb.DuckDBPyConnection,
    table: str,
    items_sql: str,
    params: list[object],
    named: bool,
) -> None:
    """Map a relation (_row, _location, _raw, _hints[, _raw_id]) into the staging table."""
    raw_id = "_raw_id" if not named else "NULL::BIGINT"
    location = (
        "_location || coalesce(' (' || coalesce(_name, t.name) || ')', '')"
        if named
        else "_location"
    )
    count_of = "CASE WHEN TRY_CAST({x} AS BIGINT) >= 0 THEN TRY_CAST({x} AS BIGINT) END"
    sql = f"""
        INSERT INTO {table}
        WITH i AS (SELECT * FROM ({items_sql})),
        p AS (
            SELECT i._row, i._location, i._raw, i._hints, {raw_id} AS _raw_id,
                   {first_char_sql("_raw")} AS _first,
                   CASE WHEN {first_char_sql("_raw")} = '{{' THEN TRY(from_json(_raw, '{THING}'))
                   END AS t0,
                   TRY(json_extract_string(_hints, '$.kind')) AS _hint_kind
            FROM i
        ),
        q AS (
            SELECT p.*,
                CASE WHEN t0.kind IS NOT NULL AND left(t0.data, 1) = '{{'
                     THEN TRY(from_json(t0.data, '{THING}')) ELSE t0 END AS t,
                coalesce(_hint_kind, CASE WHEN t0.data IS NOT NULL THEN t0.kind END) AS _wrapped
            FROM p
        ),
        k AS (
            SELECT q.*, coalesce(_wrapped, CASE
                WHEN starts_with(t.name, 't1_') THEN 't1'
                WHEN starts_with(t.name, 't3_') THEN 't3'
                WHEN t.title IS NOT NULL THEN 't3'
                WHEN t.body IS NOT NULL OR t.link_id IS NOT NULL THEN 't1'
                WHEN t0.kind = 'Listing' THEN 'Listing'
            END) AS _kind
            FROM q
        ),
        n AS (
            SELECT k.*,
                CASE WHEN _kind IN ('t1', 't3') THEN
                    CASE WHEN starts_with(t.name, _kind || '_') THEN t.name
                         WHEN {blank_sql("t.id")} IS NOT NULL
                            THEN _kind || '_' || {trim_sql("t.id")} END
                END AS _name,
                CASE WHEN t.link_id IS NULL THEN NULL
                     WHEN starts_with(t.link_id, 't3_') THEN t.link_id
                     ELSE 't3_' || t.link_id END AS _link,
                {_unix("t.created_utc")} AS _created
            FROM k
        ),
        m AS (
            SELECT n.*,
                CASE WHEN _kind <> 't1' OR {blank_sql("t.parent_id")} IS NULL THEN NULL
                     WHEN regexp_matches(t.parent_id, '^t[0-9]_') THEN t.parent_id
                     WHEN 't3_' || t.parent_id = _link THEN _link
                     ELSE 't1_' || t.parent_id END AS _parent,
                CASE WHEN t.author IN {GONE} OR {blank_sql("t.author")} IS NULL THEN NULL
                     ELSE t.author END AS _author
            FROM n
        ),
        r AS (SELECT m.*, {_rules_case("reason")} AS _why, {_rules_case("kind")} AS _why_kind FROM m)
        SELECT
            'reddit' AS platform,
            _name AS id,
            _parent AS parent_id,
            CASE WHEN _kind = 't3' THEN _name ELSE _link END AS root_id,
            lower(_author) AS author_id,
            _author AS author_handle,
            _author AS author_name,
            CASE WHEN _author = 'AutoModerator' THEN true END AS author_is_bot,
            _created AS created_at,
            CASE WHEN t.edited NOT IN ('false', 'true') THEN {_unix("t.edited")} END AS edited_at,
            CASE WHEN _kind = 't3' THEN
                    nullif(concat_ws(E'\\n\\n', {_unescape(blank_sql("t.title"))},
                        CASE WHEN t.selftext NOT IN {GONE} THEN
                            {_unescape(blank_sql("t.selftext"))} END), '')
                 WHEN t.body NOT IN {GONE} THEN {_unescape("t.body")}
            END AS text,
            NULL AS lang,
            CASE WHEN starts_with(t.permalink, '/') THEN 'https://www.reddit.com' || t.permalink
                 WHEN _kind = 't3' THEN 'https://www.reddit.com/comments/' || substr(_name, 4)
                 WHEN _link IS NOT NULL THEN 'https://www.reddit.com/comments/'
                      || substr(_link, 4) || '/_/' || substr(_name, 4)
            END AS url,
            {count_of.format(x="t.score")} AS like_count,
            CASE WHEN _kind = 't3' THEN {count_of.format(x="t.num_comments")} END AS reply_count,
            NULL AS share_count,
            NULL AS owner_liked,
            _row,
            {location},
            _raw,
            _hints,
            _raw_id,
            _why,
            _why_kind
        FROM r
    """
    con.execute(sql, params)
