"""Thread roots from the parent links a file holds, for sources whose records only name their
parent (Mastodon's `in_reply_to_id`)."""

from __future__ import annotations

from collections.abc import Mapping


def roots_within(parents: Mapping[str, str | None]) -> tuple[dict[str, str], dict[str, str]]:
    """Follow each message's parent chain inside `parents` (id → parent id).

    Returns (roots, exits): `roots[id]` is the top of the chain when the chain ends at a
    message without a parent; `exits[id]` is the first missing id when the chain leaves the
    file (the caller may know that id's root). A cycle gives neither."""
    roots: dict[str, str] = {}
    exits: dict[str, str] = {}
    for start in parents:
        if start in roots or start in exits:
            continue
        chain = [start]
        seen = {start}
        current = start
        root: str | None = None
        exit_id: str | None = None
        while True:
            if current in roots:
                root = roots[current]
                break
            if current in exits:
                exit_id = exits[current]
                break
            parent = parents[current]
            if parent is None:
                root = current
                break
            if parent not in parents:
                exit_id = parent
                break
            if parent in seen:  # a cycle: no root can be trusted
                break
            seen.add(parent)
            chain.append(parent)
            current = parent
        for member in chain:
            if root is not None:
                roots[member] = root
            elif exit_id is not None:
                exits[member] = exit_id
    return roots, exits
