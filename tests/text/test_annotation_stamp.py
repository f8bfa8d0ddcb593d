"""The shortcut that skips the scan for messages to annotate while nothing changed: it must
never hide a message that needs annotating, whatever wrote to the workspace."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lien import schema
from lien.privacy import apply_retention, erase_person
from lien.text import annotate as annotate_mod
from lien.text.annotate import annotate, bring_up_to_date, not_annotated
from lien.workspace import Workspace

from .test_annotate import _csv

AUTHORS = ["alice", "bruno", "chloe"]
# One text names a member: erasing that member rewrites it in others' messages.
TEXTS = ["Magnifique balade", "Merci @bruno !", "Thanks, lovely day", "", "nul, très déçu"]


def _row(n: int, author: str, text: str, month: int, edit: int) -> list[str]:
    edited = f"2021-{month:02d}-20T10:00:{edit:02d}Z" if edit else ""
    created = f"2021-{month:02d}-01T10:00:00Z"
    return ["mastodon", str(n), "", author, author, created, text, "", edited]  # no lang


def _scan(ws: Workspace) -> int:
    """The full count, never the shortcut."""
    return annotate_mod._pending(ws)


def test_the_scan_is_skipped_once_annotations_are_complete(tmp_path: Path) -> None:
    path = tmp_path / "ws.duckdb"
    rows = [_row(1, "a", "Magnifique balade", 3, 0), _row(2, "b", "Quels horaires ?", 3, 0)]
    with Workspace.create(path, timezone="Europe/Paris", lang="fr") as ws:
        ws.import_paths([_csv(tmp_path / "a.csv", rows)])
        assert not_annotated(ws) == 2
        assert bring_up_to_date(ws) == 0
        # The same file again: duplicates only, the messages did not change.
        version = ws.setting(schema.MESSAGES_VERSION)
        ws.import_paths([_csv(tmp_path / "b.csv", rows)])
        assert ws.setting(schema.MESSAGES_VERSION) == version
        # Internal keys are not settings.
        assert not set(ws.settings()) & schema.INTERNAL_SETTINGS
    scans: list[int] = []
    real = annotate_mod._pending

    def counted(ws: Workspace) -> int:
        scans.append(1)
        return real(ws)

    annotate_mod._pending = counted  # type: ignore[assignment]
    try:
        with Workspace.open(path, read_only=True) as reader:
            assert not_annotated(reader) == 0
        assert scans == []
        with Workspace.open(path) as writer:
            ws_rows = [_row(3, "c", "Thanks, lovely day", 4, 0)]
            writer.import_paths([_csv(tmp_path / "c.csv", ws_rows)])
        with Workspace.open(path, read_only=True) as reader:
            assert not_annotated(reader) == 1
        assert scans == [1]
    finally:
        annotate_mod._pending = real  # type: ignore[assignment]


def _complete_then(tmp_path: Path, first: list[list[str]]) -> Workspace:
    ws = Workspace.create(tmp_path / "ws.duckdb", timezone="Europe/Paris", lang="fr")
    ws.import_paths([_csv(tmp_path / "first.csv", first)])
    bring_up_to_date(ws)
    assert not_annotated(ws) == 0
    return ws


def test_an_edited_text_is_seen(tmp_path: Path) -> None:
    with _complete_then(tmp_path, [_row(1, "alice", "Magnifique balade", 3, 0)]) as ws:
        # Same message, same count, another text.
        ws.import_paths([_csv(tmp_path / "b.csv", [_row(1, "alice", "nul, très déçu", 3, 1)])])
        assert not_annotated(ws) == _scan(ws) == 1


def test_a_name_scrubbed_by_an_erasure_is_seen(tmp_path: Path) -> None:
    # Bruno never wrote here; Alice names him. Erasing him rewrites her message.
    with _complete_then(tmp_path, [_row(1, "alice", "Merci @bruno !", 3, 0)]) as ws:
        erase_person(ws, "mastodon", "bruno")
        assert ws.con.execute("SELECT text FROM messages").fetchone() != ("Merci @bruno !",)
        assert not_annotated(ws) == _scan(ws) == 1


def test_a_write_made_outside_lien_is_seen(tmp_path: Path) -> None:
    with Workspace.create(tmp_path / "ws.duckdb", timezone="Europe/Paris", lang="fr") as ws:
        ws.import_paths([_csv(tmp_path / "a.csv", [_row(1, "a", "Magnifique balade", 3, 0)])])
        bring_up_to_date(ws)
        ws.con.execute(
            "INSERT INTO messages (platform, id, author_id, created_at, text) "
            "VALUES ('mastodon', 'x', 'z', TIMESTAMP '2021-05-01 10:00:00', 'ajouté à la main')"
        )
        assert not_annotated(ws) == 1


write = st.one_of(
    st.tuples(
        st.just("import"),
        st.lists(
            st.tuples(
                st.integers(1, 4),  # message id
                st.sampled_from(AUTHORS),
                st.sampled_from(TEXTS),
                st.integers(1, 12),  # month of 2021
                st.integers(0, 3),  # edit stamp: a later one replaces the stored text
            ),
            min_size=1,
            max_size=5,
        ),
    ),
    # A later export: one message's text replaced, nothing added.
    st.tuples(st.just("edit"), st.tuples(st.integers(1, 4), st.sampled_from(TEXTS))),
    st.tuples(st.just("erase"), st.sampled_from(AUTHORS)),
    st.tuples(st.just("retention"), st.integers(1, 12)),
)
# After a write: nothing, `bring_up_to_date` (the shortcut's way) or `annotate` (the command).
then = st.sampled_from([None, "bring_up_to_date", "annotate"])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(write, then), min_size=1, max_size=5))
# The two changes that keep the number of messages, each after complete annotations.
@example(
    [
        (("import", [(1, "alice", "Magnifique balade", 3, 0)]), "annotate"),
        (("edit", (1, "Merci @bruno !")), None),
    ]
)
@example(
    [
        (("import", [(1, "alice", "Merci @bruno !", 3, 0)]), "bring_up_to_date"),
        (("erase", "bruno"), None),
    ]
)
def test_the_shortcut_agrees_with_the_scan_after_any_writes(
    steps: list[tuple[tuple[str, object], str | None]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ws.duckdb"
        with Workspace.create(path, timezone="Europe/Paris", lang="fr") as ws:
            for k, ((name, arg), after) in enumerate(steps):
                if name == "import":
                    rows = [_row(*r) for r in arg]  # type: ignore[attr-defined]
                    ws.import_paths([_csv(Path(folder) / f"{k}.csv", rows)])
                elif name == "edit":
                    n, text = arg  # type: ignore[misc]
                    edited = f"2022-01-01T00:00:{k:02d}Z"  # later than any import's edit
                    row = _row(n, "alice", text, 6, 0)[:-1] + [edited]
                    ws.import_paths([_csv(Path(folder) / f"{k}.csv", [row])])
                elif name == "erase":
                    erase_person(ws, "mastodon", str(arg))
                else:
                    apply_retention(ws, 1, now=datetime(2021, int(arg), 15))  # type: ignore[call-overload]
                assert not_annotated(ws) == _scan(ws), steps[: k + 1]
                if after == "bring_up_to_date":
                    assert bring_up_to_date(ws) == 0
                elif after == "annotate":
                    annotate(ws)
                assert not_annotated(ws) == _scan(ws), steps[: k + 1]
        with Workspace.open(path, read_only=True) as reader:
            assert not_annotated(reader) == _scan(reader)
