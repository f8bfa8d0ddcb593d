"""Every sentence of the web pages has its French translation (French comes first)."""

from __future__ import annotations

import ast
from importlib import resources

from ..report.test_i18n import TEMPLATE_CALL, catalogue

WEB = resources.files("lien.web")


def used_messages() -> set[str]:
    found: set[str] = set()
    for template in WEB.joinpath("templates").iterdir():
        found |= {m.group(2) for m in TEMPLATE_CALL.finditer(template.read_text("utf-8"))}
    for module in ("app.py", "pages.py"):
        tree = ast.parse(WEB.joinpath(module).read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name in ("gettext", "_"):
                    found.add(str(node.args[0].value))
            # The navigation's titles are translated when the page is drawn.
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "NAV":
                assert isinstance(node.value, ast.Tuple)
                for item in node.value.elts:
                    assert isinstance(item, ast.Tuple) and isinstance(item.elts[1], ast.Constant)
                    found.add(str(item.elts[1].value))
    return found


def test_every_web_sentence_is_translated() -> None:
    strings = catalogue()
    used = used_messages()
    assert len(used) > 60 and "Inbox" in used and "Waiting for an answer" in used
    assert sorted(m for m in used if not strings.get(m)) == []
