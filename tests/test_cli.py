"""The commands as people type them (click's runner, real workspace files in tmp_path), on a
small community whose figures are worked out by hand below."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lien.cli import cli
from lien.privacy import pseudonymizer
from lien.schema import RECORD_FIELDS
from lien.sources import all_sources
from lien.workspace import Workspace

from .csv_community import msg, write_csv

OFFICE = "office@val.example"  # the tourism office on Mastodon (an owned account)
PAGE = "1001"  # its Facebook page (an owned account)
MARIE, PAUL, LEA = "marie@val.example", "paul@val.example", "2002"

# Mastodon, March 2021 (UTC): the office posts; Marie asks (answered by the office 2 h later);
# Paul asks the office where to park, and Marie answers him, the office does not.
# Facebook, February 2021: the page welcomes, Léa thanks it (addressed to the page, unanswered).
# The last row has no valid time: rejected, with its reason, as data row 8.
ROWS = [
    msg("p1", None, OFFICE, "2021-03-01T09:00:00Z", "Le lac ce matin", handle="office"),
    msg("c1", "p1", MARIE, "2021-03-01T10:00:00Z", "Quels sont les horaires ?", handle="marie"),
    msg("r1", "c1", OFFICE, "2021-03-01T12:00:00Z", "De 10 h à 18 h", handle="office"),
    msg("c2", "p1", PAUL, "2021-03-02T08:00:00Z", "Où se garer ?", handle="paul"),
    msg("c3", "c2", MARIE, "2021-03-02T09:00:00Z", "Au parking du port", handle="marie"),
    msg("f1", None, PAGE, "2021-02-10T09:00:00Z", "Bienvenue", platform="facebook"),
    msg("f2", "f1", LEA, "2021-02-11T18:30:00Z", "Merci !", platform="facebook", handle="lea"),
    msg("bad", "p1", PAUL, "hier", "encore", handle="paul"),
]
STORED = 7


def lien(*args: str, env: dict[str, str | None] | None = None) -> Result:
    """`lien ARGS`, with a console wide enough that table cells stay on one line."""
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "250", **(env or {})})


def ok(*args: str, env: dict[str, str | None] | None = None) -> Result:
    result = lien(*args, env=env)
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def failed(*args: str, env: dict[str, str | None] | None = None) -> str:
    """The error of a command that fails the way `lien` reports it (a LienError, status 1)."""
    result = lien(*args, env=env)
    assert result.exit_code == 1, result.output
    assert result.exception is not None and type(result.exception).__name__ == "LienError"
    return str(result.exception)


def table_rows(output: str) -> list[list[str]]:
    """The body rows of the rich tables in `output`, as lists of stripped cells."""
    return [
        [cell.strip() for cell in line.strip().strip("│").split("│")]
        for line in output.splitlines()
        if line.strip().startswith("│")
    ]


@pytest.fixture
def community(tmp_path: Path) -> Path:
    """A workspace (Paris time, French) holding ROWS, built with the commands themselves."""
    db = tmp_path / "ws.duckdb"
    ok("init", str(db), "--timezone", "Europe/Paris", "--lang", "fr")
    ok("import", "--db", str(db), str(write_csv(tmp_path / "community.csv", ROWS)))
    ok("accounts", "add", "mastodon", OFFICE, "--name", "Office de tourisme", "--db", str(db))
    ok("accounts", "add", "facebook", PAGE, "--db", str(db))
    return db


# -- init, settings, --db and LIEN_DB --------------------------------------------------------


def test_init_with_time_zone_and_language(tmp_path: Path) -> None:
    db = tmp_path / "montreal.duckdb"
    shown = ok("init", str(db), "--timezone", "America/Montreal", "--lang", "en")
    assert f"created {db} (time zone America/Montreal, language en)" in shown.output
    with Workspace.open(db, read_only=True) as ws:
        assert (ws.timezone, ws.lang) == ("America/Montreal", "en")
    assert "already exists" in failed("init", str(db))
    assert "unknown time zone 'Mars/Olympus'" in failed(
        "init", str(tmp_path / "other.duckdb"), "--timezone", "Mars/Olympus"
    )
    assert not (tmp_path / "other.duckdb").exists()


def test_init_defaults_to_paris_and_french(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    ok("init", str(db))
    with Workspace.open(db, read_only=True) as ws:
        assert (ws.timezone, ws.lang) == ("Europe/Paris", "fr")


def test_settings_show_and_change(tmp_path: Path) -> None:
    db = str(tmp_path / "ws.duckdb")
    ok("init", db)
    shown = {row[0]: row[1] for row in table_rows(ok("settings", "--db", db).output)}
    assert shown["timezone"] == "Europe/Paris" and shown["lang"] == "fr"
    assert shown["business_days"] == "mon,tue,wed,thu,fri"
    assert shown["business_hours"] == ""
    assert shown["pseudonym_key"] == "(set)"  # a secret: never printed

    changed = ok("settings", "timezone", "America/Montreal", "--db", db)
    assert table_rows(changed.output) == [
        ["timezone", "America/Montreal", table_rows(changed.output)[0][2]]
    ]
    ok("settings", "business_days", "mon-wed", "--db", db)
    ok("settings", "lang", "en", "--db", db)
    with Workspace.open(db, read_only=True) as ws:
        assert (ws.timezone, ws.lang) == ("America/Montreal", "en")
        assert ws.setting("business_days") == "mon,tue,wed"
    only = table_rows(ok("settings", "business_days", "--db", db).output)
    assert [row[:2] for row in only] == [["business_days", "mon,tue,wed"]]

    ok("settings", "business_days", "--unset", "--db", db)
    with Workspace.open(db, read_only=True) as ws:
        assert ws.setting("business_days") is None
    assert "unknown time zone" in failed("settings", "timezone", "Nowhere/City", "--db", db)
    assert "unknown setting 'colour'" in failed("settings", "colour", "blue", "--db", db)
    with Workspace.open(db, read_only=True) as ws:
        assert ws.timezone == "America/Montreal"


def _info_path(result: Result) -> str:
    return str(json.loads(result.output)["path"])


def test_db_option_and_lien_db_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    ok("init", str(a))
    ok("init", "--timezone", "UTC", env={"LIEN_DB": str(b)})  # init follows LIEN_DB too
    with Workspace.open(b, read_only=True) as ws:
        assert ws.timezone == "UTC"

    assert _info_path(ok("info", "--json", env={"LIEN_DB": str(a)})) == str(a)
    # --db wins over the variable.
    assert _info_path(ok("info", "--json", "--db", str(b), env={"LIEN_DB": str(a)})) == str(b)
    # Neither: ./lien.duckdb.
    monkeypatch.chdir(tmp_path)
    message = failed("info", env={"LIEN_DB": None})
    assert message.startswith("no workspace at lien.duckdb: create one with `lien init")
    ok("init", env={"LIEN_DB": None})
    assert (tmp_path / "lien.duckdb").exists()
    assert _info_path(ok("info", "--json", env={"LIEN_DB": None})) == "lien.duckdb"
    # An empty variable counts as unset.
    assert _info_path(ok("info", "--json", env={"LIEN_DB": ""})) == "lien.duckdb"
    missing = tmp_path / "none.duckdb"
    assert f"no workspace at {missing}" in failed("info", "--db", str(missing))


# -- owned accounts --------------------------------------------------------------------------


def test_accounts_add_list_remove(community: Path) -> None:
    db = str(community)
    listed = table_rows(ok("accounts", "list", "--db", db).output)
    # The office wrote p1 and r1; the page f1.
    assert listed == [
        ["facebook", PAGE, "", "1"],
        ["mastodon", OFFICE, "Office de tourisme", "2"],
    ]
    assert (
        "owned account added: mastodon " + MARIE
        in ok("accounts", "add", "mastodon", MARIE, "--db", db).output
    )
    assert ["mastodon", MARIE, "", "2"] in table_rows(ok("accounts", "list", "--db", db).output)

    assert ok("accounts", "remove", "mastodon", MARIE, "--db", db).output.strip() == "removed"
    again = ok("accounts", "remove", "mastodon", MARIE, "--db", db).output
    assert again.strip() == f"mastodon {MARIE} was not an owned account"
    ok("accounts", "remove", "mastodon", OFFICE, "--db", db)
    ok("accounts", "remove", "facebook", PAGE, "--db", db)
    empty = ok("accounts", "list", "--db", db).output
    assert empty.strip() == "no owned account yet: lien accounts add PLATFORM AUTHOR_ID"
    assert "an account needs a platform" in failed(
        "accounts", "add", "Not A Platform!", "x", "--db", db
    )


def test_declaring_an_account_relabels_history(community: Path) -> None:
    """Roles are resolved when read: the waiting questions change as accounts change."""
    db = str(community)
    before = _questions(db)
    assert [r["Id"] for r in before] == ["f2", "c2"]
    # Marie answered Paul's question: as an owned account, she answers for the office.
    ok("accounts", "add", "mastodon", MARIE, "--db", db)
    assert [r["Id"] for r in _questions(db)] == ["f2"]
    ok("accounts", "remove", "mastodon", MARIE, "--db", db)
    assert [r["Id"] for r in _questions(db)] == ["f2", "c2"]


# -- export ------------------------------------------------------------------------------------

# The messages in export order (platform, time, id), with what each one must carry.
EXPORTED = [
    ("facebook", "f1", None, "f1", PAGE, None, "2021-02-10T09:00:00.000000Z", "Bienvenue"),
    ("facebook", "f2", "f1", "f1", LEA, "lea", "2021-02-11T18:30:00.000000Z", "Merci !"),
    ("mastodon", "p1", None, "p1", OFFICE, "office", "2021-03-01T09:00:00.000000Z", "Le lac ce matin"),
    ("mastodon", "c1", "p1", "p1", MARIE, "marie", "2021-03-01T10:00:00.000000Z", "Quels sont les horaires ?"),
    ("mastodon", "r1", "c1", "p1", OFFICE, "office", "2021-03-01T12:00:00.000000Z", "De 10 h à 18 h"),
    ("mastodon", "c2", "p1", "p1", PAUL, "paul", "2021-03-02T08:00:00.000000Z", "Où se garer ?"),
    ("mastodon", "c3", "c2", "p1", MARIE, "marie", "2021-03-02T09:00:00.000000Z", "Au parking du port"),
]  # fmt: skip
KEYS = (
    "platform",
    "id",
    "parent_id",
    "root_id",
    "author_id",
    "author_handle",
    "created_at",
    "text",
)


def test_export_jsonl_to_stdout(community: Path, tmp_path: Path) -> None:
    shown = ok("export", "--db", str(community))
    records = [json.loads(line) for line in shown.stdout.splitlines()]
    assert all(list(r) == list(RECORD_FIELDS) for r in records)
    assert [tuple(r[k] for k in KEYS) for r in records] == EXPORTED
    assert {r["import_id"] for r in records} == {1}

    # Local days: 1 March in Paris starts at 00:00+01:00; until is exclusive.
    march = ok("export", "--db", str(community), "--since", "2021-03-01", "--until", "2021-03-02")
    assert [json.loads(line)["id"] for line in march.stdout.splitlines()] == ["p1", "c1", "r1"]

    # What was exported re-imports to the same messages (import and raw ids aside).
    copy = tmp_path / "copy.duckdb"
    ok("init", str(copy))
    exported = tmp_path / "export.jsonl"
    exported.write_text(shown.stdout, encoding="utf-8")
    summary = ok("import", "--db", str(copy), str(exported)).output
    assert "read 7 = stored 7 + updated 0 + duplicates 0 + rejected 0" in summary
    again = [json.loads(line) for line in ok("export", "--db", str(copy)).stdout.splitlines()]

    def content(rs: list[dict[str, object]]) -> list[dict[str, object]]:
        return [{k: v for k, v in r.items() if k not in ("import_id", "raw_id")} for r in rs]

    assert content(again) == content(records)


def test_export_csv_to_stdout(community: Path) -> None:
    shown = ok("export", "--format", "csv", "--db", str(community))
    rows = list(csv.reader(io.StringIO(shown.stdout)))
    assert rows[0] == list(RECORD_FIELDS)
    body = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    # Empty cells for absent values, as the generic CSV reads them back.
    expected = [tuple("" if v is None else v for v in e) for e in EXPORTED]
    assert [tuple(r[k] for k in KEYS) for r in body] == expected
    assert shown.stdout.count("\n") == 1 + STORED


def test_export_to_a_file_says_how_many(community: Path, tmp_path: Path) -> None:
    out = tmp_path / "[out]" / "messages.csv"
    shown = ok("export", "--format", "csv", "-o", str(out), "--db", str(community))
    assert shown.output.strip() == f"7 messages written to {out}"
    assert out.read_text(encoding="utf-8").count("\n") == 1 + STORED


def test_export_for_spark_writes_a_folder_without_secrets(community: Path, tmp_path: Path) -> None:
    out = tmp_path / "for-spark"
    assert "give it with -o FOLDER" in failed("export", "--format", "spark", "--db", str(community))
    ok("export", "--format", "spark", "-o", str(out), "--db", str(community))
    assert sorted(p.name for p in out.iterdir()) == [
        "accounts.csv",
        "annotations.parquet",
        "messages.parquet",
        "settings.json",
    ]
    settings = json.loads((out / "settings.json").read_text(encoding="utf-8"))
    assert settings["timezone"] == "Europe/Paris" and "pseudonym_key" not in settings
    accounts = (out / "accounts.csv").read_text(encoding="utf-8").splitlines()
    assert len(accounts) == 3  # the header and the two owned accounts
    messages = tmp_path / "m.csv"
    ok("export", "--format", "csv", "-o", str(messages), "--db", str(community))
    assert "is a folder" in failed(
        "export", "--format", "csv", "-o", str(out), "--db", str(community)
    )


# -- info and sources --------------------------------------------------------------------------


def test_info_json(community: Path) -> None:
    data = json.loads(ok("info", "--json", "--db", str(community)).output)
    assert data["path"] == str(community)
    assert data["settings"] == {
        "timezone": "Europe/Paris",
        "lang": "fr",
        "business_days": "mon,tue,wed,thu,fri",
    }
    assert data["platforms"] == [
        {
            "platform": "facebook",
            "messages": 2,
            "authors": 2,
            "top_level": 1,
            "first": "2021-02-10 09:00:00",
            "last": "2021-02-11 18:30:00",
        },
        {
            "platform": "mastodon",
            "messages": 5,
            "authors": 3,
            "top_level": 1,
            "first": "2021-03-01 09:00:00",
            "last": "2021-03-02 09:00:00",
        },
    ]
    accounts = [(a["platform"], a["author_id"], a["name"], a["messages"]) for a in data["accounts"]]
    assert accounts == [("facebook", PAGE, None, 1), ("mastodon", OFFICE, "Office de tourisme", 2)]
    (imported,) = data["imports"]
    assert imported["path"].endswith("community.csv") and imported["source"] == "csv"
    counts = [
        imported[k] for k in ("status", "read", "stored", "updated", "duplicates", "rejected")
    ]
    assert counts == ["imported", 8, 7, 0, 0, 1]
    (reject,) = data["rejects"]
    assert (reject["kind"], reject["records"], reject["example"]) == ("invalid", 1, "row 8")
    assert reject["reason"].startswith("created_at 'hier' is not an ISO 8601 time")


def test_info_table(community: Path) -> None:
    shown = ok("info", "--db", str(community)).output
    assert shown.splitlines()[0].startswith(f"{community}  timezone=Europe/Paris  lang=fr")
    rows = table_rows(shown)
    assert ["facebook", "2", "2", "1", "2021-02-10 09:00:00", "2021-02-11 18:30:00"] in rows
    assert ["mastodon", "5", "3", "1", "2021-03-01 09:00:00", "2021-03-02 09:00:00"] in rows
    assert ["mastodon", OFFICE, "Office de tourisme", "2"] in rows
    assert ["facebook", PAGE, "", "1"] in rows
    path = str(community.parent / "community.csv")
    assert ["1", path, "csv", "imported", "8", "7", "0", "0", "1"] in rows
    (reject,) = [r for r in rows if r[0] == path and r[1] == "invalid"]
    assert reject[3:] == ["1", "row 8"] and "'hier' is not an ISO 8601 time" in reject[2]
    for title in ("Messages", "Owned accounts", "Imports", "Rejects"):
        assert title in shown.splitlines()


def test_info_of_an_empty_workspace(tmp_path: Path) -> None:
    db = str(tmp_path / "ws.duckdb")
    ok("init", db)
    data = json.loads(ok("info", "--json", "--db", db).output)
    assert (data["platforms"], data["accounts"], data["imports"], data["rejects"]) == (
        [],
        [],
        [],
        [],
    )
    assert "Rejects" not in ok("info", "--db", db).output


def test_sources_lists_every_source() -> None:
    shown = ok("sources").output
    rows = table_rows(shown)
    assert rows[0][:2] == ["csv", "any"] and rows[1][0] == "Generic CSV"
    expected = [s.name for s in all_sources()]
    assert expected[:3] == ["csv", "lien-jsonl", "lien-parquet"] and "mastodon" in expected
    names = [r[0] for r in rows]
    assert [n for n in names if n in expected] == expected  # each once, in registry order
    markdown = ok("sources", "--markdown").output
    assert "## `csv`: Generic CSV" in markdown
    for source in all_sources():
        assert f"## `{source.name}`: {source.title}" in markdown


# -- people, questions, report -----------------------------------------------------------------


def test_people_of_a_month(community: Path) -> None:
    db = str(community)
    # March: Marie and Paul talked (c3 answers c2): one partner each; Marie answered another
    # member's question (c2); nobody's top-level post drew a member's reply. Marie wrote c1
    # and c3, Paul c2. Léa (February, Facebook) only wrote to the page.
    document = json.loads(
        ok("people", "--at", "2021-03-15", "--names", "--json", "--db", db).output
    )
    assert document == {
        "period": "2021-03",
        "people": [
            {"member": "marie", "platform": "mastodon", "partners": 1, "answers": 1, "threads": 0, "messages": 2},
            {"member": "paul", "platform": "mastodon", "partners": 1, "answers": 0, "threads": 0, "messages": 1},
        ],
    }  # fmt: skip
    february = json.loads(ok("people", "--at", "2021-02-01", "--json", "--db", db).output)
    assert february == {"period": "2021-02", "people": []}

    table = ok("people", "--at", "2021-03-15", "--db", db).output
    with Workspace.open(community) as ws:
        alias = pseudonymizer(ws)
    assert "2021-03" in table and "Interlocuteurs" in table  # French: the workspace's language
    assert [r[:6] for r in table_rows(table)] == [
        [alias("mastodon", MARIE), "mastodon", "1", "1", "0", "2"],
        [alias("mastodon", PAUL), "mastodon", "1", "0", "0", "1"],
    ]
    assert "marie" not in table and "paul" not in table  # pseudonyms unless --names


def _questions(db: str, *options: str) -> list[dict[str, str]]:
    shown = ok("questions", "--csv", "--db", db, *options)
    data = shown.stdout_bytes
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the accents right
    text = data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_questions_csv_for_french_excel(community: Path) -> None:
    db = str(community)
    data = ok("questions", "--csv", "--db", db).stdout_bytes
    assert data.startswith("\ufeff".encode())
    header = data.decode("utf-8-sig").splitlines()[0]
    assert header == (
        "En attente;Âge;Plateforme;Pourquoi;Auteur;Message;Fil;Réponse après (h);Lien;"
        "Écrit (heure locale);Id"
    )
    rows = _questions(db, "--names")
    # Waiting, oldest first: Léa's thanks on the page's post (addressed), Paul's question to
    # the office (Marie answered it, the office did not). Marie's c1 was answered by r1.
    keys = ("En attente", "Plateforme", "Pourquoi", "Auteur", "Message", "Fil", "Écrit (heure locale)", "Id")  # fmt: skip
    assert [tuple(r[k] for k in keys) for r in rows] == [
        ("oui", "facebook", "adressé au compte", "lea", "Merci !", "Bienvenue", "2021-02-11 19:30", "f2"),
        ("oui", "mastodon", "question + adressé au compte", "paul", "Où se garer ?", "Le lac ce matin", "2021-03-02 09:00", "c2"),
    ]  # fmt: skip
    assert all(r["Réponse après (h)"] == "" for r in rows)

    every = {r["Id"]: r for r in _questions(db, "--all")}
    assert set(every) == {"f2", "c1", "c2"}
    # Answered 2 hours later, with a decimal comma; in Paris time (UTC+1 in March).
    c1 = every["c1"]
    assert (c1["En attente"], c1["Réponse après (h)"], c1["Écrit (heure locale)"]) == (
        "non",
        "2,0",
        "2021-03-01 11:00",
    )
    with Workspace.open(community) as ws:
        alias = pseudonymizer(ws)
    assert every["c2"]["Auteur"] == alias("mastodon", PAUL)  # pseudonyms unless --names
    assert [r["Id"] for r in _questions(db, "--platform", "facebook")] == ["f2"]
    assert [r["Id"] for r in _questions(db, "--since", "2021-03-01")] == ["c2"]


def test_questions_csv_in_english(community: Path) -> None:
    db = str(community)
    ok("settings", "lang", "en", "--db", db)
    data = ok("questions", "--csv", "--names", "--db", db).stdout_bytes
    assert data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))  # `,` in English
    assert [(r["Waiting"], r["Why"], r["Id"]) for r in rows] == [
        ("yes", "addressed", "f2"),
        ("yes", "question + addressed", "c2"),
    ]


def _figures(page: str) -> dict[tuple[str, str], str]:
    """(metric, period) → the raw value a figure of the report carries."""
    found = re.findall(r'data-key="([^"]+)" data-period="([^"]+)" data-value="([^"]*)"', page)
    figures: dict[tuple[str, str], str] = {}
    for key, period, value in found:
        assert figures.setdefault((key, period), value) == value  # shown twice, same value
    return figures


def test_report_to_a_file(community: Path, tmp_path: Path) -> None:
    out = tmp_path / "rapport.html"
    shown = ok("report", "-o", str(out), "--db", str(community))
    assert shown.output.strip().splitlines()[-1] == f"report: {out}"
    page = out.read_text(encoding="utf-8")
    assert re.search(r'<html[^>]* lang="fr"', page)
    assert 'id="compare"' not in page
    assert "marie" not in page and "paul" not in page  # pseudonyms unless --names
    figures = _figures(page)
    # February: Léa's message to the page, unanswered. March: c1 and c2 are addressed to the
    # office's post and both are questions; only c1 is answered, by r1 two hours later.
    # Members wrote 1 message in February (f2), 3 in March (c1, c2, c3).
    expected = {
        ("addressed", "2021-02"): "1",
        ("response_rate", "2021-02"): "0.0",
        ("questions", "2021-02"): "0",
        ("member_messages", "2021-02"): "1",
        ("addressed", "2021-03"): "2",
        ("response_rate", "2021-03"): "0.5",
        ("ttfr_median_h", "2021-03"): "2.0",
        ("questions", "2021-03"): "2",
        ("question_response_rate", "2021-03"): "0.5",
        ("member_messages", "2021-03"): "3",
        ("new_members", "2021-03"): "2",
    }
    assert {k: figures.get(k) for k in expected} == expected


def _row(page: str, title: str) -> list[str]:
    """The cells of the table row headed `title`."""
    match = re.search(rf"<tr><th>{re.escape(title)}</th>(.*?)</tr>", page)
    assert match, title
    cells = re.findall(r"<td>(.*?)</td>", match.group(1))
    return [re.sub(r"[\s\u00a0\u202f]+", " ", c) for c in cells]  # French spaces: plain


def test_report_with_a_comparison(community: Path, tmp_path: Path) -> None:
    out = tmp_path / "compare.html"
    ok(
        "report",
        "-o",
        str(out),
        "--compare",
        "2021-02-01:2021-03-01",
        "2021-03-01:2021-04-01",
        "--db",
        str(community),
    )
    page = out.read_text(encoding="utf-8")
    section = page[page.index('<section id="compare">') :]
    section = section[: section.index("</section>")]
    # Response rate: February 0 of 1, March 1 of 2.
    assert _row(section, "Taux de réponse")[:2] == ["0 %", "50 %"]
    # The report's own figures do not change with a comparison.
    plain = tmp_path / "plain.html"
    ok("report", "-o", str(plain), "--db", str(community))
    assert _figures(page) == _figures(plain.read_text(encoding="utf-8"))

    bad = failed(
        "report",
        "-o",
        str(tmp_path / "x.html"),
        "--compare",
        "2021-02-01",
        "x",
        "--db",
        str(community),
    )
    assert "SINCE:UNTIL" in bad
    assert not (tmp_path / "x.html").exists()


def test_network_prints_its_output_path_as_it_is(community: Path, tmp_path: Path) -> None:
    out = tmp_path / "[red]graph.json"
    shown = ok("network", "-o", str(out), "--db", str(community))
    assert out.exists()
    assert shown.output.startswith(f"{out}: ")
