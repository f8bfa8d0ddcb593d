"""Facebook: saved Graph API responses (page and group feeds, posts with their embedded
`comments{...}`, `/{object-id}/comments` pages, single comments, `?ids=` answers).

Facebook threads are flat: a top-level comment's parent is its post, a reply's parent is the
top-level comment, and the root is the post. A reply whose `parent` is itself a reply (newer
pages allow replies to replies) is attached to the top-level comment above it when the file
shows that comment's chain (METRICS.md, "flat platforms"); otherwise its parent is kept as the
API gave it. Comment ids are kept in the API's `POSTID_COMMENTID` form; the older three-part
`PAGEID_POSTID_COMMENTID` form found in embedded comments is shortened to it, so that one
comment read from two kinds of response is stored once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ...errors import Reject
from ...schema import Message
from .. import ImportContext, Probe, RawRecord, Source
from .._graph import (
    BadLine,
    documents,
    error_reason,
    graph_time,
    is_error,
    is_numeric_id,
    is_unix_time,
    items_of,
    sample_items,
    sniff_documents,
    without_tokens,
)
from .._jsondoc import count, describe, obj, text_or_none

PLATFORM = "facebook"
POST_EDGES = {"feed", "posts", "published_posts", "visitor_posts", "tagged", "promotable_posts"}
COMMENT_MARKERS = {
    "comment_count",
    "can_like",
    "user_likes",
    "can_hide",
    "is_hidden",
    "can_remove",
    "can_reply_privately",
    "parent",
    "attachment",
}
POST_MARKERS = {
    "status_type",
    "shares",
    "full_picture",
    "attachments",
    "reactions",
    "story",
    "updated_time",
    "is_published",
    "privacy",
}


# -- ids and permalinks --------------------------------------------------------------------


def permalink_parts(url: Any) -> tuple[str | None, str | None, str | None]:
    """(post id `PAGE_POST`, top-level comment number, reply number) named by a permalink:
    `https://www.facebook.com/{page}/posts/{post}/?comment_id=C&reply_comment_id=R`,
    `permalink.php?story_fbid=P&id=PAGE&comment_id=C`, `/groups/{g}/permalink/{p}/`."""
    if not isinstance(url, str) or len(url) > 4000:
        return None, None, None
    try:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
    except ValueError:
        return None, None, None
    if not (parts.hostname or "").endswith("facebook.com"):
        return None, None, None

    def digits(key: str) -> str | None:
        values = query.get(key) or []
        return values[0] if values and values[0].isdigit() and len(values[0]) <= 40 else None

    segments = [s for s in parts.path.split("/") if s]
    post: str | None = None
    if segments[:1] == ["groups"]:
        if len(segments) >= 4 and segments[2] in ("posts", "permalink"):
            if segments[1].isdigit() and segments[3].isdigit():
                post = f"{segments[1]}_{segments[3]}"
    elif len(segments) >= 3 and segments[1] == "posts":
        if segments[0].isdigit() and segments[2].isdigit():
            post = f"{segments[0]}_{segments[2]}"
    elif digits("story_fbid") and digits("id"):
        post = f"{digits('id')}_{digits('story_fbid')}"
    return post, digits("comment_id"), digits("reply_comment_id")


def _bare(post_id: str) -> str:
    return post_id.rsplit("_", 1)[-1]


def canonical_comment_id(raw: Any) -> tuple[str | None, str | None]:
    """(comment id in `POSTID_COMMENTID` form, post id when the id names it)."""
    if not isinstance(raw, str) or not raw.strip():
        return text_or_none(raw), None
    parts = raw.split("_")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return f"{parts[1]}_{parts[2]}", f"{parts[0]}_{parts[1]}"
    return raw, None


def comment_identity(c: dict[str, Any]) -> tuple[str | None, str | None]:
    """The comment's id and its post id, from `id`, else from its permalink (responses
    fetched with `filter=stream` may omit the id)."""
    ident, post = canonical_comment_id(c.get("id"))
    link_post, top, reply = permalink_parts(c.get("permalink_url"))
    post = post or link_post
    if ident is None and link_post and (reply or top):
        ident = f"{_bare(link_post)}_{reply or top}"
    return ident, post


def _parent_comment_id(c: dict[str, Any]) -> str | None:
    parent = c.get("parent")
    if isinstance(parent, dict):
        return canonical_comment_id(parent.get("id"))[0]
    return None


# -- reading -------------------------------------------------------------------------------


def _is_comment(item: dict[str, Any], edge: str | None) -> bool:
    if isinstance(item.get("id"), str) and item["id"].count("_") == 2:
        return True
    _, top, _ = permalink_parts(item.get("permalink_url"))
    if top is not None:
        return True
    if "parent" in item:
        return True
    if edge == "comments":
        return True
    if edge in POST_EDGES:
        return False
    keys = set(item)
    if keys & COMMENT_MARKERS:
        return True
    if keys & POST_MARKERS:
        return False
    return isinstance(item.get("likes"), int)


class _Pending:
    __slots__ = ("hints", "is_comment", "location", "payload")

    def __init__(self, location: str, payload: Any, hints: dict[str, Any], is_comment: bool):
        self.location = location
        self.payload = payload
        self.hints = hints
        self.is_comment = is_comment


def _without_nested_comments(item: dict[str, Any]) -> dict[str, Any]:
    """The object as received, minus the comment objects it embeds (they are records of
    their own); the edge's summary and paging stay."""
    comments = item.get("comments")
    if isinstance(comments, dict) and isinstance(comments.get("data"), list) and comments["data"]:
        out = dict(item)
        out["comments"] = {**comments, "data": f"[{len(comments['data'])} comments read apart]"}
        return out
    return item


def _walk(
    item: Any,
    location: str,
    edge: tuple[str, str] | None,
    parent: tuple[str, bool] | None,
    post_id: str | None,
    out: list[_Pending],
    depth: int = 0,
) -> None:
    """Flatten a response object and the comments it embeds into pending records.
    `parent` = (id, is a comment) known from nesting; `post_id` = the post above."""
    if not isinstance(item, dict):
        out.append(_Pending(location, without_tokens(item), {}, False))
        return
    edge_name = edge[1] if edge else None
    comment = parent is not None or _is_comment(item, edge_name)
    hints: dict[str, Any] = {}
    if parent is not None:
        hints["nested_in"], hints["nested_in_comment"] = parent
    if post_id:
        hints["post_id"] = post_id
    ident = text_or_none(item.get("id"))
    if comment:
        ident, own_post = comment_identity(item)
        if own_post and not post_id:
            hints["post_id"] = own_post
    if comment and parent is None and edge and edge_name == "comments":
        hints["edge_of"] = edge[0]
        # `/{comment-id}/comments` lists replies: a comment id starts with its post's number,
        # as do the replies' own ids; a post id starts with its page's number instead.
        if ident and edge[0].split("_", 1)[0] == ident.split("_", 1)[0] and "_" in ident:
            hints["edge_is_comment"] = True
    where = f"{location} (id {ident[:120]})" if ident else location
    out.append(_Pending(where, without_tokens(_without_nested_comments(item)), hints, comment))
    nested = obj(item.get("comments")).get("data")
    if isinstance(nested, list) and ident and depth < 50:
        below_post = hints.get("post_id") if comment else ident
        for i, child in enumerate(nested):
            _walk(
                child,
                f"{location}.comments.data[{i}]",
                None,
                (ident, comment),
                below_post if isinstance(below_post, str) else None,
                out,
                depth + 1,
            )


def _resolve(pending: list[_Pending]) -> None:
    """Set each comment's flat parent and its root from what the whole file shows."""
    # id -> (direct parent, parent is a comment, post id)
    known: dict[str, tuple[str | None, bool, str | None]] = {}
    for p in pending:
        if not (p.is_comment and isinstance(p.payload, dict)):
            continue
        ident, _ = comment_identity(p.payload)
        if ident is None:
            continue
        parent, is_comment = _direct_parent(p.payload, p.hints)
        known.setdefault(ident, (parent, is_comment, p.hints.get("post_id")))
        # A `parent` object may name its own parent: remember that chain too.
        above = p.payload.get("parent")
        steps = 0
        while isinstance(above, dict) and steps < 50:
            above_id = canonical_comment_id(above.get("id"))[0]
            grand = _parent_comment_id(above)
            if above_id and grand and above_id not in known:
                known[above_id] = (grand, True, None)
            above = above.get("parent")
            steps += 1
    for p in pending:
        if not (p.is_comment and isinstance(p.payload, dict)):
            continue
        parent, is_comment = _direct_parent(p.payload, p.hints)
        post = p.hints.get("post_id")
        seen: set[str] = set()
        # Flat rule: climb to the top-level comment while the parent is itself a reply.
        while is_comment and parent in known and parent not in seen:
            seen.add(parent)
            up, up_is_comment, up_post = known[parent]
            post = post or up_post
            if not up_is_comment or up is None:
                break
            parent, is_comment = up, True
        if parent is not None:
            p.hints["parent_id"] = parent
        if post is None and parent is not None and not is_comment:
            post = parent
        if post is not None:
            p.hints["root_id"] = post


def _direct_parent(c: dict[str, Any], hints: dict[str, Any]) -> tuple[str | None, bool]:
    """(parent id, the parent is a comment) before the flat rule."""
    parent = _parent_comment_id(c)
    if parent is not None:
        return parent, True
    nested = text_or_none(hints.get("nested_in"))
    if nested is not None:
        return nested, bool(hints.get("nested_in_comment"))
    link_post, top, reply = permalink_parts(c.get("permalink_url"))
    if link_post and top and reply:
        return f"{_bare(link_post)}_{top}", True
    post = text_or_none(hints.get("post_id"))
    if post is not None:
        return post, False
    edge = text_or_none(hints.get("edge_of"))
    if edge is not None:
        return edge, bool(hints.get("edge_is_comment"))
    return None, False


# -- mapping -------------------------------------------------------------------------------


def _total(edge: Any) -> int | None:
    """A count from an edge: `{summary: {total_count}}`, `{count}` (older shape) or a number."""
    if isinstance(edge, dict):
        summary = count(obj(edge.get("summary")).get("total_count"))
        return summary if summary is not None else count(edge.get("count"))
    return count(edge)


def _first(*values: int | None) -> int | None:
    return next((v for v in values if v is not None), None)


def _url(value: Any) -> str | None:
    if isinstance(value, str) and value.startswith(("https://", "http://")) and len(value) < 2000:
        return value
    return None


def _author(item: dict[str, Any]) -> tuple[str | None, str | None]:
    author = obj(item.get("from"))
    return text_or_none(author.get("id")), text_or_none(author.get("name"))


def _text(item: dict[str, Any]) -> str | None:
    message = item.get("message")
    return message if isinstance(message, str) and message.strip() else None


def post_message(p: dict[str, Any]) -> Message:
    ident = text_or_none(p.get("id"))
    if ident is None:
        raise Reject("a post without id")
    what = f"post {ident}"
    author_id, author_name = _author(p)
    viewer = obj(obj(p.get("reactions")).get("summary")).get("viewer_reaction")
    return Message(
        platform=PLATFORM,
        id=ident,
        parent_id=None,
        root_id=ident,
        author_id=author_id,
        author_name=author_name,
        created_at=graph_time(p.get("created_time"), "created_time", what),
        text=_text(p),
        url=_url(p.get("permalink_url")),
        like_count=_first(
            _total(p.get("reactions")), _total(p.get("like")), _total(p.get("likes"))
        ),
        reply_count=_first(_total(p.get("comments")), count(p.get("comment_count"))),
        share_count=count(obj(p.get("shares")).get("count")),
        owner_liked=(viewer != "NONE") if isinstance(viewer, str) else None,
    )


def comment_message(c: dict[str, Any], hints: dict[str, Any]) -> Message:
    ident, _ = comment_identity(c)
    if ident is None:
        raise Reject("a comment without id (and no permalink_url naming it)")
    what = f"comment {ident}"
    created = graph_time(c.get("created_time"), "created_time", what)
    if "parent_id" in hints or "root_id" in hints:
        parent = text_or_none(hints.get("parent_id"))
        root = text_or_none(hints.get("root_id"))
    else:  # a record read alone (or an older hint layout): what the object itself says
        parent, is_comment = _direct_parent(c, hints)
        root = None if is_comment else parent
    author_id, author_name = _author(c)
    likes = c.get("likes")
    liked = c.get("user_likes")
    return Message(
        platform=PLATFORM,
        id=ident,
        parent_id=parent,
        root_id=root,
        author_id=author_id,
        author_name=author_name,
        created_at=created,
        text=_text(c),
        url=_url(c.get("permalink_url")),
        like_count=_first(count(c.get("like_count")), _total(likes), _total(c.get("reactions"))),
        reply_count=_first(count(c.get("comment_count")), _total(c.get("comments"))),
        owner_liked=liked if isinstance(liked, bool) else None,
    )


def _looks_like_graph_object(item: Any) -> bool:
    if not isinstance(item, dict):
        return False
    stamp = item.get("created_time")
    if not isinstance(stamp, str) and not is_unix_time(stamp):
        return False
    if "timestamp" in item:
        return False
    ident = item.get("id")
    if ident is not None:
        return is_numeric_id(ident)
    return permalink_parts(item.get("permalink_url"))[1] is not None


class FacebookGraph(Source):
    name = "facebook"
    title = "Facebook Graph API responses"
    # 2: Unix times (date_format=U); replies of a `/{comment-id}/comments` page.
    mapper_version = 2
    platforms = (PLATFORM,)
    reads = (
        "Page and group feeds (`/{page-id}/feed`, `/posts`, `/published_posts`, "
        "`/visitor_posts`), with embedded `comments{...}` and replies (`comments` of comments)",
        "`/{object-id}/comments` pages (`filter=toplevel` or `filter=stream`) and single "
        "comment or post objects, `?ids=` multi-object answers, bare lists of them",
        "One response per line (JSON Lines) as well as one response per file",
    )
    quirks = (
        "Flat threads: a top-level comment's parent is its post, a reply's parent is its "
        "top-level comment, the root is the post. A reply to a reply is attached to the "
        "top-level comment when the file shows the chain (`parent` fields or nesting).",
        "Comments without `id` (filter=stream responses) are identified from `permalink_url` "
        "(`?comment_id=C&reply_comment_id=R` under `/{page}/posts/{post}`); a reply's parent is "
        "the `comment_id` it names.",
        "`from` is only returned with a Page token and permission: without it the author is "
        "unknown (empty), never guessed from the post id.",
        "`user_likes` on a comment (and `reactions.summary.viewer_reaction` on a post) tell "
        "whether the viewer liked it: it is kept as the owner's like, which is right when the "
        "response was fetched with the Page's own token. `can_like` only says the viewer may "
        "like and is not used.",
        "Counts: reactions total (else likes) as likes, `comment_count`/`comments.summary."
        "total_count` as replies, `shares.count` as shares. A post's `updated_time` moves with "
        "new comments, so it is not an edit time; the Graph API gives no comment edit time.",
        'A Graph API error body (`{"error": {...}}`) is kept as one rejected record with the '
        "API's message. Paging URLs (which hold the access token) are never stored.",
        "A `/{comment-id}/comments` page (replies) names only its comment: the replies get it "
        "as parent and no root until that comment's thread is imported (the page gives the "
        "post's number, not its full id).",
        "Times are ISO 8601 (`+0000`) or, in responses fetched with `date_format=U`, Unix "
        "seconds; both are stored in UTC.",
    )

    def sniff(self, probe: Probe) -> bool:
        for doc in sniff_documents(probe):
            if is_error(doc):
                return True
            items = sample_items(doc)
            if items and all(_looks_like_graph_object(i) for i in items):
                return True
        return False

    def read(self, path: Path, ctx: ImportContext) -> Iterator[RawRecord]:
        pending: list[_Pending] = []
        for prefix, doc in documents(path, ctx.display_name or path.name):
            where = prefix.rstrip(": ")
            if isinstance(doc, BadLine):
                pending.append(
                    _Pending(where, without_tokens(doc.text), {"bad": doc.reason}, False)
                )
                continue
            if is_error(doc):
                pending.append(
                    _Pending(where or "document", without_tokens(doc), {"error": True}, False)
                )
                continue
            items, edge = items_of(doc)
            for location, item in items:
                _walk(item, f"{prefix}{location}", edge, None, None, pending)
        _resolve(pending)
        _suggest(pending, ctx)
        for p in pending:
            hints = dict(p.hints)
            hints["kind"] = "comment" if p.is_comment else "post"
            yield RawRecord(p.location, p.payload, hints)

    def to_message(self, record: RawRecord, ctx: ImportContext) -> Message:
        hints = record.hints or {}
        p = record.payload
        if "bad" in hints:
            raise Reject(str(hints["bad"]))
        if hints.get("error"):
            raise Reject(error_reason(obj(p)))
        if not isinstance(p, dict):
            raise Reject(f"not a Facebook post or comment: {describe(p)}")
        if hints.get("kind") == "comment":
            return comment_message(p, hints)
        return post_message(p)


def _suggest(pending: list[_Pending], ctx: ImportContext) -> None:
    """Pages that wrote in the file on their own posts (author id = the post id's page)."""
    pages = {
        str(p.payload["id"]).split("_", 1)[0]
        for p in pending
        if not p.is_comment and isinstance(p.payload, dict) and is_numeric_id(p.payload.get("id"))
    }
    pages |= {
        str(p.hints["root_id"]).split("_", 1)[0]
        for p in pending
        if isinstance(p.hints.get("root_id"), str)
    }
    for p in pending:
        if isinstance(p.payload, dict):
            author_id, author_name = _author(p.payload)
            if author_id is not None and author_id in pages:
                ctx.suggested_accounts.add((PLATFORM, author_id, author_name))


SOURCES = (FacebookGraph(),)
