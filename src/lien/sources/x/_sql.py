"""The SQL of the X source: units → tweets → messages, inside DuckDB.

Each JSON value is parsed once into a typed struct (`from_json`); fields of the wrong type come
out NULL instead of failing the file, and `TRY` turns a damaged line into a NULL struct that
the mapping reports as a reject.

Row numbers keep the file order and tell which unit a tweet came from:
`_row = unit * 2^33 + 2^32 + k` for the unit's own tweets, `unit * 2^33 + k` for the parents
taken from its `includes.tweets`.
"""

from __future__ import annotations

import duckdb

from .._csv import blank_sql
from .._jsonl import first_char_sql

UNIT_SHIFT = 2**33
OWN = 2**32

# `data` is parsed as a list of tweets (a page) in the same pass; a lone tweet object there (a
# filtered-stream line) comes out NULL and is read by a second, rarer parse (ONE_DATA).
UNIT = (
    '{"data": ["JSON"], "includes": {"users": ["JSON"], "tweets": ["JSON"]}, "statuses": ["JSON"]}'
)
ONE_DATA = '{"data": "JSON"}'
USER = '{"id": "VARCHAR", "username": "VARCHAR", "name": "VARCHAR"}'
_METRICS = (
    '{"like_count": "VARCHAR", "reply_count": "VARCHAR", "retweet_count": "VARCHAR", '
    '"quote_count": "VARCHAR"}'
)
TWEET = (
    "{"
    '"id": "VARCHAR", "id_str": "VARCHAR", "text": "VARCHAR", "full_text": "VARCHAR", '
    '"extended_tweet": {"full_text": "VARCHAR"}, "note_tweet": {"text": "VARCHAR"}, '
    '"created_at": "VARCHAR", "author_id": "VARCHAR", "conversation_id": "VARCHAR", '
    '"referenced_tweets": [{"type": "VARCHAR", "id": "VARCHAR"}], '
    '"in_reply_to_status_id_str": "VARCHAR", "retweeted_status": {"id_str": "VARCHAR"}, '
    '"edit_history_tweet_ids": ["VARCHAR"], "lang": "VARCHAR", '
    f'"public_metrics": {_METRICS}, "favorite_count": "VARCHAR", "retweet_count": "VARCHAR", '
    '"reply_count": "VARCHAR", '
    '"user": {"id_str": "VARCHAR", "screen_name": "VARCHAR", "name": "VARCHAR"}, '
    '"author": {"id": "VARCHAR", "username": "VARCHAR", "name": "VARCHAR"}, '
    '"action": "VARCHAR", "reason": "VARCHAR", "username": "VARCHAR", '
    '"data": "JSON", "includes": "JSON", "meta": "JSON", "statuses": "JSON", '
    '"users": "JSON", "tweets": "JSON", '
    '"errors": [{"title": "VARCHAR", "detail": "VARCHAR", "message": "VARCHAR"}]'
    "}"
)
# Twitter's epoch of snowflake ids (ms), and the first id of that era (Nov 2010): older ids are
# sequential and carry no time.
SNOWFLAKE_EPOCH_MS = 1288834974657
FIRST_SNOWFLAKE = 29700859247
UNDETERMINED_LANGS = ("und", "zxx", "qme", "qam", "qct", "qht", "qst")


def prepare_units(
    con: duckdb.DuckDBPyConnection, units_sql: str, params: list[object], extra_users: str | None
) -> None:
    """Temp tables _x_units (one row per line or document), _x_users (includes.users by unit)
    and _x_items (the records: each tweet of a unit, or the unit itself when it has none)."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _x_units AS
        WITH src AS ({units_sql}),
        parsed AS (
            SELECT _unit, _uloc, u, {first_char_sql("u")} AS _first,
                   CASE WHEN {first_char_sql("u")} = '{{' THEN TRY(from_json(u, '{UNIT}')) END AS p
            FROM src
        ),
        one AS (
            SELECT parsed.*,
                CASE WHEN p.data IS NULL AND contains(u, '"data"')
                     THEN TRY(from_json(u, '{ONE_DATA}')).data END AS _one
            FROM parsed
        ),
        listed AS (
            SELECT _unit, _uloc, u, p,
                CASE
                    WHEN _first = '[' THEN TRY(from_json(u, '["JSON"]'))
                    WHEN p.data IS NOT NULL THEN p.data
                    WHEN left(_one, 1) = '{{' THEN [_one]
                    ELSE p.statuses
                END AS tweets,
                CASE
                    WHEN _first = '[' THEN 'item'
                    WHEN p.data IS NOT NULL THEN 'data'
                    WHEN left(_one, 1) = '{{' THEN 'data.'
                    ELSE 'statuses'
                END AS label
            FROM one
        )
        SELECT _unit, _uloc, label, tweets, p.includes.users AS users,
               p.includes.tweets AS included,
               CASE WHEN coalesce(len(tweets), 0) = 0 THEN u END AS u
        FROM listed
        """,
        params,
    )
    extra = ""
    extra_params: list[object] = []
    if extra_users is not None:
        extra = "UNION ALL SELECT 1 AS _unit, unnest(from_json(?, '[\"JSON\"]')) AS usr"
        extra_params = [extra_users]
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _x_users AS
        WITH raw AS (
            SELECT _unit, unnest(users) AS usr FROM _x_units WHERE users IS NOT NULL {extra}
        ),
        typed AS (SELECT _unit, usr, TRY(from_json(usr, '{USER}')) AS a FROM raw)
        SELECT _unit, a.id AS uid, a.username AS handle, a.name AS name, usr AS json
        FROM typed WHERE a.id IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY _unit, a.id) = 1
        """,
        extra_params,
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _x_items AS
        WITH each AS (
            SELECT _unit, _uloc, label, unnest(tweets) AS tw, unnest(range(len(tweets))) AS k
            FROM _x_units WHERE len(tweets) > 0
        )
        SELECT _unit * {UNIT_SHIFT} + {OWN} + k AS _row, _unit,
               CASE WHEN _uloc = '' THEN '' ELSE _uloc || ': ' END ||
               CASE label WHEN 'item' THEN 'item ' || (k + 1) WHEN 'data.' THEN 'data'
                    ELSE label || '[' || k || ']' END AS _location,
               tw::VARCHAR AS _raw
        FROM each
        UNION ALL
        SELECT _unit * {UNIT_SHIFT} + {OWN}, _unit,
               CASE WHEN _uloc = '' THEN 'document' ELSE _uloc END, u
        FROM _x_units WHERE u IS NOT NULL
        """
    )


# Why a record is not a message, first match wins: (condition, kind, reason), SQL over the
# columns of the mapping's `g` step.
REJECT_RULES: tuple[tuple[str, str, str], ...] = (
    ("t IS NULL AND _first = '{'", "invalid", "'not valid JSON (damaged or truncated line)'"),
    (
        "t IS NULL AND _first = '[' AND TRY(json_array_length(_raw)) = 0",
        "skipped",
        "'an empty list: no tweets'",
    ),
    (
        "t IS NULL AND TRY(json_valid(_raw))",
        "invalid",
        "'not a tweet: a JSON ' || lower(json_type(_raw))",
    ),
    ("t IS NULL", "invalid", "'not valid JSON (damaged or truncated line)'"),
    (
        "t.action IS NOT NULL AND NOT _has_text",
        "skipped",
        "'a compliance notice (tweet ' || coalesce(_id, '?') || ': ' || t.action"
        " || coalesce(', ' || t.reason, '') || '), not a tweet'",
    ),
    (
        "t.data IS NOT NULL OR t.meta IS NOT NULL OR t.statuses IS NOT NULL"
        " OR (t.errors IS NOT NULL AND _id IS NULL)",
        "skipped",
        "'an API response without tweets' || coalesce(': ' || coalesce(t.errors[1].detail,"
        " t.errors[1].message, t.errors[1].title), '')",
    ),
    (
        "(t.users IS NOT NULL OR t.tweets IS NOT NULL) AND _id IS NULL",
        "skipped",
        "'an includes block only (users and referenced tweets); import the file of tweets it"
        " belongs to (academictwitteR: data_*.json reads the users_*.json beside it)'",
    ),
    ("_id IS NULL", "invalid", "'not a tweet: no id'"),
    (
        "_retweet_of IS NOT NULL",
        "skipped",
        "'tweet ' || _id || ' by ' || coalesce('@' || _handle, 'user ' || _author,"
        " 'an unknown account') || ' is a retweet of ' || _retweet_of"
        " || ': a share, not a message (both are kept in the raw record)'",
    ),
    (
        "NOT _has_text AND t.username IS NOT NULL",
        "skipped",
        "'a user profile (@' || t.username || '), not a tweet'",
    ),
    ("NOT _has_text", "invalid", "'tweet ' || _id || ': no text'"),
    (
        f"{blank_sql('t.created_at')} IS NOT NULL AND _own_time IS NULL",
        "invalid",
        "'tweet ' || _id || ': created_at \"' || left(t.created_at, 60) || '\" is not a time'",
    ),
    (
        "_created IS NULL",
        "invalid",
        "'tweet ' || _id || ': no created_at, and its id is older than dated (snowflake) ids'",
    ),
    ("_parent = _id", "invalid", "'tweet ' || _id || ' names itself as its parent'"),
)


def _rules_case(part: str) -> str:
    whens = " ".join(
        f"WHEN {cond} THEN {reason if part == 'reason' else repr(kind)}"
        for cond, kind, reason in REJECT_RULES
    )
    return f"(CASE {whens} END)"


def _mapped_select(input_sql: str) -> str:
    """The staging columns from a relation (_row, _location, _raw, _raw_id, _named, _a_id,
    _a_handle, _a_name, _a_json, t, _first): `_named` adds the tweet id to the location."""
    ref = "t.referenced_tweets"
    text = "coalesce(t.note_tweet.text, t.extended_tweet.full_text, t.full_text, t.text)"
    unescaped = f"replace(replace(replace({text}, '&lt;', '<'), '&gt;', '>'), '&amp;', '&')"
    history = "t.edit_history_tweet_ids"
    own_time = (
        "(coalesce(TRY_CAST(t.created_at AS TIMESTAMPTZ), "
        "try_strptime(t.created_at, '%a %b %d %H:%M:%S %z %Y')) AT TIME ZONE 'UTC')"
    )

    def flake(x: str) -> str:
        number = f"TRY_CAST({x} AS UBIGINT)"
        return (
            f"CASE WHEN {number} >= {FIRST_SNOWFLAKE} THEN make_timestamp("
            f"(({number} >> 22) + {SNOWFLAKE_EPOCH_MS})::BIGINT * 1000) END"
        )

    undetermined = ", ".join(f"'{code}'" for code in UNDETERMINED_LANGS)

    def count_of(*exprs: str) -> str:
        value = f"TRY_CAST(coalesce({', '.join(exprs)}) AS BIGINT)"
        return f"CASE WHEN {value} >= 0 THEN {value} END"

    return f"""
        WITH i AS ({input_sql}),
        f AS (
            SELECT i.*,
                {blank_sql("coalesce(t.id_str, t.id)")} AS _id,
                -- trim() itself: lien_trim names its argument several times, and this one
                -- filters a list.
                nullif(trim(coalesce(t.in_reply_to_status_id_str,
                    list_filter({ref}, r -> r.type = 'replied_to')[1].id)), '') AS _parent,
                coalesce(t.retweeted_status.id_str,
                    list_filter({ref}, r -> r.type = 'retweeted')[1].id,
                    CASE WHEN t.retweeted_status IS NOT NULL THEN '?' END) AS _retweet_of,
                {text} IS NOT NULL AS _has_text,
                {own_time} AS _own_time,
                coalesce(nullif(t.author_id, ''), t.user.id_str, t.author.id, _a_id) AS _author,
                coalesce(_a_handle, t.user.screen_name, t.author.username) AS _handle,
                coalesce(len({history}) > 1 AND {history}[-1] = coalesce(t.id_str, t.id), false)
                    AS _edited
            FROM i
        ),
        g AS (
            SELECT f.*,
                CASE WHEN _edited THEN coalesce({flake(f"{history}[1]")}, _own_time)
                     ELSE coalesce(_own_time, {flake("_id")}) END AS _created
            FROM f
        ),
        h AS (
            SELECT g.*, {_rules_case("reason")} AS _why, {_rules_case("kind")} AS _why_kind
            FROM g
        )
        SELECT
            'x' AS platform,
            _id AS id,
            _parent AS parent_id,
            CASE WHEN _parent IS NULL THEN _id
                 WHEN t.conversation_id <> _id THEN {blank_sql("t.conversation_id")}
            END AS root_id,
            _author AS author_id,
            _handle AS author_handle,
            coalesce(_a_name, t.user.name, t.author.name) AS author_name,
            NULL::BOOLEAN AS author_is_bot,
            _created AS created_at,
            CASE WHEN _edited THEN _own_time END AS edited_at,
            {unescaped} AS text,
            CASE WHEN lower(t.lang) NOT IN ({undetermined}) THEN nullif(t.lang, '') END AS lang,
            'https://x.com/' || coalesce(_handle, 'i/web') || '/status/' || _id AS url,
            {count_of("t.public_metrics.like_count", "t.favorite_count")} AS like_count,
            {count_of("t.public_metrics.reply_count", "t.reply_count")} AS reply_count,
            {count_of("t.public_metrics.retweet_count", "t.retweet_count")} AS share_count,
            NULL::BOOLEAN AS owner_liked,
            _row,
            CASE WHEN _named AND _id IS NOT NULL THEN _location || ' (id ' || _id || ')'
                 ELSE _location END,
            _raw,
            CASE WHEN _a_json IS NOT NULL THEN json_object('author', json(_a_json))::VARCHAR
            END,
            _raw_id,
            _why,
            _why_kind
        FROM h
    """


def _typed(raw: str) -> str:
    return f"""CASE WHEN {first_char_sql(raw)} = '{{' THEN TRY(from_json({raw}, '{TWEET}')) END
               AS t, {first_char_sql(raw)} AS _first"""


def insert_mapped(con: duckdb.DuckDBPyConnection, table: str, raw_query: str | None = None) -> None:
    """Map the unit tweets of _x_items (or, for reparse, the raw records of `raw_query`)."""
    if raw_query is None:
        input_sql = f"""
            SELECT it._row, it._location, it._raw, NULL::BIGINT AS _raw_id, true AS _named,
                   us.uid AS _a_id, us.handle AS _a_handle, us.name AS _a_name,
                   us.json AS _a_json, it.t, it._first
            FROM (SELECT _x_items.*, {_typed("_raw")} FROM _x_items) it
            LEFT JOIN _x_users us ON us._unit = it._unit AND us.uid = it.t.author_id
        """
    else:
        input_sql = f"""
            SELECT r.id AS _row, r.location AS _location, r.payload AS _raw, r.id AS _raw_id,
                   false AS _named,
                   TRY(json_extract_string(r.hints, '$.author.id')) AS _a_id,
                   TRY(json_extract_string(r.hints, '$.author.username')) AS _a_handle,
                   TRY(json_extract_string(r.hints, '$.author.name')) AS _a_name,
                   TRY(json_extract(r.hints, '$.author'))::VARCHAR AS _a_json,
                   {_typed("r.payload")}
            FROM ({raw_query}) r
        """
    con.execute(f"INSERT INTO {table} {_mapped_select(input_sql)}")


def insert_included_parents(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """The tweets of a unit's `includes.tweets` that one of its tweets replies to (and that
    are not among its own tweets): the parents of its replies."""
    input_sql = f"""
        WITH inc AS (
            SELECT _unit, _uloc, unnest(included) AS tw, unnest(range(len(included))) AS k
            FROM _x_units WHERE len(included) > 0
        ),
        typed AS (SELECT inc.*, {_typed("tw")} FROM inc),
        wanted AS (
            SELECT DISTINCT _row // {UNIT_SHIFT} AS _unit, parent_id AS id FROM {table}
            WHERE _reject IS NULL AND parent_id IS NOT NULL AND _row >= {UNIT_SHIFT}
              AND _raw_id IS NULL
        ),
        present AS (
            SELECT DISTINCT _row // {UNIT_SHIFT} AS _unit, id FROM {table}
            WHERE id IS NOT NULL AND _raw_id IS NULL
        )
        SELECT typed._unit * {UNIT_SHIFT} + typed.k AS _row,
               CASE WHEN typed._uloc = '' THEN '' ELSE typed._uloc || ': ' END
                   || 'includes.tweets[' || typed.k || ']' AS _location,
               typed.tw::VARCHAR AS _raw, NULL::BIGINT AS _raw_id, true AS _named,
               us.uid AS _a_id, us.handle AS _a_handle, us.name AS _a_name, us.json AS _a_json,
               typed.t, typed._first
        FROM typed
        SEMI JOIN wanted w ON w._unit = typed._unit AND w.id = typed.t.id
        ANTI JOIN present p ON p._unit = typed._unit AND p.id = typed.t.id
        LEFT JOIN _x_users us ON us._unit = typed._unit AND us.uid = typed.t.author_id
    """
    con.execute(f"INSERT INTO {table} {_mapped_select(input_sql)}")
