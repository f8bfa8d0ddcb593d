"""The SQL of the 4CAT source: one item per row, from CSV columns or a JSON object."""

from __future__ import annotations

import duckdb

from .._csv import blank_sql, parse_time_sql
from .._jsonl import first_char_sql

# The item fields lien reads, as 4CAT's datasources name them.
FIELDS = (
    "id",
    "thread_id",
    "parent_id",
    "reply_to",
    "timestamp",
    "unix_timestamp",
    "body",
    "subject",
    "title",
    "author",
    "author_fullname",
    "author_name",
    "author_full",
    "author_id",
    "url",
    "post_url",
    "comment_url",
    "thread_url",
    "likes",
    "num_likes",
    "like_count",
    "score",
    "replies",
    "num_replies",
    "num_comments",
    "comment_count",
    "shares",
    "num_shares",
    "share_count",
    "retweets",
    "lang",
    "language",
    "platform",
    "source_platform",
    "subreddit",
    "data",
)
# URL hosts → lien platforms.
HOSTS = (
    ("tiktok.com", "tiktok"),
    ("instagram.com", "instagram"),
    ("twitter.com", "x"),
    ("x.com", "x"),
    ("reddit.com", "reddit"),
    ("youtube.com", "youtube"),
    ("youtu.be", "youtube"),
    ("facebook.com", "facebook"),
    ("bsky.app", "bluesky"),
    ("t.me", "telegram"),
    ("threads.net", "threads"),
    ("linkedin.com", "linkedin"),
)
STRUCT = "{" + ", ".join(f'"{f}": "VARCHAR"' for f in FIELDS) + "}"

REJECT_RULES: tuple[tuple[str, str, str], ...] = (
    ("NOT _object AND _first = '{'", "invalid", "'not valid JSON (damaged or truncated line)'"),
    ("NOT _object", "invalid", "'not a JSON object'"),
    (
        "v.data IS NOT NULL AND v.source_platform IS NOT NULL AND v.body IS NULL",
        "skipped",
        "'a Zeeschuimer item from ' || v.source_platform || ' (raw platform data, not read by "
        "lien): export the dataset from 4CAT as CSV'",
    ),
    ("_id IS NULL", "invalid", "'no id'"),
    (
        "_created IS NULL AND coalesce(v.unix_timestamp, v.timestamp) IS NOT NULL",
        "invalid",
        "'item ' || _id || ': timestamp \"' || left(coalesce(v.unix_timestamp, v.timestamp), 40)"
        " || '\" is not a time'",
    ),
    ("_created IS NULL", "invalid", "'item ' || _id || ': no timestamp'"),
)


def _case(part: str) -> str:
    whens = " ".join(
        f"WHEN {cond} THEN {reason if part == 'reason' else repr(kind)}"
        for cond, kind, reason in REJECT_RULES
    )
    return f"(CASE {whens} END)"


def insert_mapped(
    con: duckdb.DuckDBPyConnection,
    table: str,
    items_sql: str,
    params: list[object],
    platform: str,
    csv_header: list[str] | None,
    restage: bool = False,
) -> None:
    """Map rows into the staging table. With `csv_header`, the rows carry CSV columns c0..cN;
    otherwise `_raw` is a JSON object (an NDJSON line, or a stored row for reparse)."""
    if csv_header is not None:
        index = {name: i for i, name in enumerate(csv_header)}
        cols = ", ".join(
            f"c{index[f]} AS {f}" if f in index else f"NULL::VARCHAR AS {f}" for f in FIELDS
        )
        values = f"SELECT i.*, {{{', '.join(repr(f) + ': ' + f for f in FIELDS)}}} AS v, '{{' AS _first FROM (SELECT i.*, {cols} FROM ({items_sql}) i) i"
        hints_default = "?"
    else:
        values = f"""
            SELECT i.*, {first_char_sql("_raw")} AS _first,
                   CASE WHEN {first_char_sql("_raw")} = '{{' THEN TRY(from_json(_raw, '{STRUCT}'))
                   END AS v,
            FROM ({items_sql}) i
        """
        hints_default = (
            "coalesce(TRY(json_extract_string(_hints, '$.platform')), ?)" if restage else "?"
        )
    url = (
        "coalesce("
        + ", ".join(blank_sql(f"v.{f}") for f in ("comment_url", "url", "post_url", "thread_url"))
        + ")"
    )
    # Each value is computed once per row in its own step: inside the CASE below they would be
    # evaluated again for every WHEN.
    by_host = " ".join(
        f"WHEN _host = '{h}' OR ends_with(_host, '.{h}') THEN '{p}'" for h, p in HOSTS
    )
    named = (
        "lower(coalesce(" + blank_sql("v.platform") + ", " + blank_sql("v.source_platform") + "))"
    )
    unix = (
        "coalesce(v.unix_timestamp, CASE WHEN regexp_full_match(_timestamp, "
        "'[0-9]{9,11}(\\.[0-9]+)?') THEN v.timestamp END)"
    )
    # Microseconds since the epoch straight into a UTC TIMESTAMP (no time-zone conversion).
    unix_time = f"TRY(make_timestamp(TRY_CAST(TRY_CAST({unix} AS DOUBLE) * 1000000 AS BIGINT)))"

    def first_count(*names: str) -> str:
        # The first column holding a number (casts skip blanks and surrounding spaces; trim()
        # is costly: it looks for every Unicode space).
        numbers = ", ".join(f"TRY_CAST(v.{n} AS DOUBLE)" for n in names)
        value = f"TRY_CAST(coalesce({numbers}) AS BIGINT)"
        return f"CASE WHEN {value} >= 0 THEN {value} END"

    sql = f"""
        INSERT INTO {table}
        WITH x0 AS ({values}),
        x AS (
            -- The timestamp is trimmed once, for both readings (unix seconds, ISO 8601).
            SELECT x0.*, coalesce(v IS NOT NULL, false) AS _object,
                   {blank_sql("v.timestamp")} AS _timestamp
            FROM x0
        ),
        f AS (
            SELECT x.*, {hints_default} AS _file_platform,
                {blank_sql("v.id")} AS _id,
                coalesce({unix_time}, {parse_time_sql("_timestamp")}) AS _created,
                coalesce({blank_sql("v.parent_id")}, {blank_sql("v.reply_to")},
                         {blank_sql("v.thread_id")}) AS _up,
                {url} AS _url,
                {named} AS _named,
                {blank_sql("v.author")} AS _author
            FROM x
        ),
        h AS (
            SELECT f.*, lower(regexp_extract(_url, '^[a-zA-Z]+://([^/:?#]+)', 1)) AS _host
            FROM f
        ),
        g AS (
            SELECT h.*,
                CASE WHEN regexp_full_match(_named, '[a-z][a-z0-9_]{{0,31}}') THEN _named
                     WHEN _named IN ('twitter', 'x.com') THEN 'x'
                     {by_host}
                     WHEN {blank_sql("v.subreddit")} IS NOT NULL THEN 'reddit'
                     ELSE _file_platform END AS _platform,
                CASE WHEN _up <> _id THEN _up END AS _parent,
                {_case("reason")} AS _why, {_case("kind")} AS _why_kind
            FROM h
        )
        SELECT
            _platform AS platform,
            _id AS id,
            _parent AS parent_id,
            CASE WHEN _parent IS NULL THEN _id END AS root_id,
            coalesce({blank_sql("v.author_id")}, _author) AS author_id,
            _author AS author_handle,
            coalesce({blank_sql("v.author_fullname")}, {blank_sql("v.author_full")}, {blank_sql("v.author_name")}, _author) AS author_name,
            NULL::BOOLEAN AS author_is_bot,
            _created AS created_at,
            NULL::TIMESTAMP AS edited_at,
            nullif(concat_ws(E'\\n\\n', {blank_sql("coalesce(v.subject, v.title)")}, nullif(v.body, '')), '') AS text,
            lower({blank_sql("coalesce(v.lang, v.language)")}) AS lang,
            _url AS url,
            {first_count("likes", "num_likes", "like_count", "score")} AS like_count,
            {first_count("replies", "num_replies", "num_comments", "comment_count")} AS reply_count,
            {first_count("shares", "num_shares", "share_count", "retweets")} AS share_count,
            NULL::BOOLEAN AS owner_liked,
            _row,
            {"_location" if restage else "_location || coalesce(' (id ' || _id || ')', '')"},
            _raw,
            {"_hints" if restage else "json_object('platform', _file_platform)::VARCHAR"},
            _raw_id,
            _why,
            _why_kind
        FROM g
    """
    # The row source's parameters come first in the text, the file's platform after.
    con.execute(sql, [*params, platform])
