"""Every sentence of the report has its French translation, and French numbers read French."""

from __future__ import annotations

import ast
import io
import re
from importlib import resources

from babel.messages.pofile import read_po

from lien.report.gather import AGE_BUCKETS
from lien.report.i18n import Locale

REPORT = resources.files("lien.report")
# _("...") in templates; gettext("...") / g("...") calls in the report's modules.
TEMPLATE_CALL = re.compile(r"""_\(\s*(["'])((?:\\.|(?!\1).)*)\1\s*\)""")
GETTEXT_NAMES = {"_", "g", "gettext", "ngettext"}


def catalogue() -> dict[str, object]:
    po = resources.files("lien").joinpath("locale", "fr", "LC_MESSAGES", "lien.po")
    messages = read_po(io.StringIO(po.read_text(encoding="utf-8")), locale="fr")
    found: dict[str, object] = {}
    for m in messages:
        if not m.id:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string or ())
        for i, key in enumerate(ids):  # singular and plural: each needs its translation
            found[key] = strings[min(i, len(strings) - 1)] if all(strings) else ""
    return found


def used_messages() -> set[str]:
    found: set[str] = set()
    for template in REPORT.joinpath("templates").iterdir():
        found |= {m.group(2) for m in TEMPLATE_CALL.finditer(template.read_text("utf-8"))}
    for module in REPORT.iterdir():
        if not module.name.endswith(".py"):
            continue
        tree = ast.parse(module.read_text("utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            first = node.args[0]
            if name in GETTEXT_NAMES and isinstance(first, ast.Constant):
                found.add(str(first.value))
                plural = node.args[1] if len(node.args) > 1 else None
                if name == "ngettext" and isinstance(plural, ast.Constant):
                    found.add(str(plural.value))
    found |= {label for _, label in AGE_BUCKETS}
    return found


def test_every_report_sentence_is_translated() -> None:
    strings = catalogue()
    used = used_messages()
    assert len(used) > 60  # the scan sees the templates and the modules
    missing = sorted(m for m in used if not strings.get(m))
    assert missing == []


def test_french_numbers() -> None:
    fr, en = Locale("fr"), Locale("en")
    assert fr.percent(0.82) == "82\xa0%" and en.percent(0.82) == "82%"
    assert fr.hours(3.5) == "3,5 h" and en.hours(3.5) == "3.5 h"
    assert fr.number(15000) == "15\u202f000" and en.number(15000) == "15,000"
    assert fr.language("en") == "anglais" and en.language("fr") == "French"
    assert fr.language(None) == "inconnue"
    # A window's end is exclusive: the report names its last day.
    assert fr.day("2022-01-01", before=True) == "31 décembre 2021"
    assert en.day("2021-03-05") == "5 March 2021"
