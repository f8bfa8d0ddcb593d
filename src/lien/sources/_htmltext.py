"""Platform HTML (Mastodon `content`, YouTube `textDisplay`) to plain text.

The stdlib parser only tokenises: nothing is fetched or run. Paragraphs become blank lines,
`<br>` a line break, links their visible text, entities their characters; the content of
script, style and template elements is dropped (it is never text a person wrote)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = {"p", "div", "blockquote", "pre", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6"}
_HIDDEN = {"script", "style", "template", "noscript", "iframe", "object"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


_MANY_BREAKS = re.compile(r"[ \t]*\n[ \t]*\n(?:[ \t]*\n)+")


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment (whitespace inside lines is kept as written)."""
    if "<" not in html and "&" not in html:
        return html
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    # Adjacent blocks (</p><p>) each asked for a blank line: keep one.
    text = _MANY_BREAKS.sub("\n\n", text)
    return text.strip("\n")
