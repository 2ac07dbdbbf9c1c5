"""Where ``<head>`` really ends, found with a light tokenizer over the head markup.

Google stops reading page metadata at the first element that is not valid in ``<head>``
(https://developers.google.com/search/docs/crawling-indexing/valid-page-metadata): only
title, meta, link, script, style, base, noscript and template are; a tracking ``<img>`` or
``<iframe>``, or stray text, ends the head and every canonical, hreflang or robots meta after
it is ignored. HTML tree builders hide this (they silently move such elements into the
body), so this module reads the raw token stream of the markup before ``</head>`` or
``<body>``, as rules-kb section 10 asks.

Owns: ``scan_head``, which names the element that ended the head early (if any) and lists
every ``<link>`` and ``<meta>`` start tag of the head markup, in order, with whether it came
after that element. The HTML extractor matches these against the tree's elements.

Must not: build a tree or extract facts. It is deliberately approximate where the HTML
tokenizer is baroque (script escapes, foreign content) and bounded: it reads at most
``MAX_SCAN`` characters and ``MAX_TAGS`` tags, and stops where the head markup ends.
``<noscript>`` content is tokenized as markup, as a parser without scripting does (so the
classic ``<noscript><iframe>`` tag-manager snippet in ``<head>`` ends the head).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

MAX_SCAN = 2 * 1024 * 1024  # Google reads the first 2 MB of an HTML file
MAX_TAGS = 20000

HEAD_ELEMENTS = frozenset(
    {"title", "meta", "link", "script", "style", "base", "noscript", "template"}
)
_ALLOWED = HEAD_ELEMENTS | {"html", "head"}  # start tags that leave the head open
_RAW_TEXT = frozenset(
    {"script", "style", "title", "textarea", "xmp", "iframe", "noembed", "noframes"}
)
_WS = "\t\n\f\r "

_MARKUP = re.compile(r"<(?:(/?)([a-zA-Z][^\t\n\f\r />]*)|(!--)|[!?]|/[^>]*>)")
# The rest of a start or end tag: quotes are special only right after "=" (HTML tokenizer).
_TAG_REST = re.compile(
    r"""((?:[^>"'=]++|=[\t\n\f\r ]*+"[^"]*+"?|=[\t\n\f\r ]*+'[^']*+'?|=|["'])*+)(>?)"""
)
_ATTR = re.compile(
    r"""([^\t\n\f\r />=][^\t\n\f\r />=]*)"""
    r"""(?:[\t\n\f\r ]*=[\t\n\f\r ]*(?:"([^"]*)"?|'([^']*)'?|([^\t\n\f\r >]*)))?"""
)
_REGION_END = re.compile(r"</head[\t\n\f\r />]|<body[\t\n\f\r />]", re.IGNORECASE)
_TEMPLATE = re.compile(r"<(/?)template[\t\n\f\r />]", re.IGNORECASE)
_CLOSE: dict[str, re.Pattern[str]] = {
    name: re.compile(rf"</{name}[\t\n\f\r />]", re.IGNORECASE) for name in _RAW_TEXT
}

Entry = tuple[str, str, bool]  # ("link" | "meta", rel or name lower-cased, after_head_end)


@dataclass(slots=True)
class HeadScan:
    ended_by: str | None = None  # "img", "iframe", "#text"... ; None when the head is valid
    entries: list[Entry] = field(default_factory=list)


def attributes(markup: str) -> dict[str, str]:
    """Attributes of a start tag's markup after its name; the first of a repeated name wins."""
    attrs: dict[str, str] = {}
    for match in _ATTR.finditer(markup):
        name = match.group(1).lower()
        if name not in attrs:
            value = match.group(2) or match.group(3) or match.group(4) or ""
            attrs[name] = html.unescape(value) if "&" in value else value
    return attrs


def _skip_template(text: str, pos: int, limit: int) -> int:
    depth = 1
    while depth:
        match = _TEMPLATE.search(text, pos, limit)
        if match is None:
            return limit
        depth += -1 if match.group(1) else 1
        pos = match.end()
    return pos


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.limit = min(len(text), MAX_SCAN)
        self.scan = HeadScan()

    def end_head(self, by: str, pos: int) -> bool:
        """Record what ended the head; False when no head markup follows (stop scanning)."""
        self.scan.ended_by = by
        return _REGION_END.search(self.text, pos, self.limit) is not None

    def start_tag(self, name: str, rest: str, pos: int) -> int | None:
        """Handle a start tag ending at ``pos``; the next position, or None to stop."""
        if name in ("body", "frameset", "plaintext"):
            return None
        if name in ("link", "meta"):
            attrs = attributes(rest)
            key = attrs.get("rel" if name == "link" else "name", "").strip().lower()
            self.scan.entries.append((name, key, self.scan.ended_by is not None))
        elif self.scan.ended_by is None and name not in _ALLOWED and not self.end_head(name, pos):
            return None
        if name == "template":
            return _skip_template(self.text, pos, self.limit)
        if name in _RAW_TEXT:
            close = _CLOSE[name].search(self.text, pos, self.limit)
            return None if close is None else close.start()
        return pos

    def run(self) -> HeadScan:
        text, pos, tags = self.text, 0, 0
        while pos < self.limit and tags < MAX_TAGS:
            match = _MARKUP.search(text, pos, self.limit)
            end = self.limit if match is None else match.start()
            if (
                self.scan.ended_by is None
                and text[pos:end].strip(_WS)
                and not self.end_head("#text", end)
            ):
                break
            if match is None:
                break
            tags += 1
            slash, name, comment = match.group(1, 2, 3)
            if comment:
                close = text.find("-->", match.end(), self.limit)
                pos = self.limit if close < 0 else close + 3
                continue
            if name is None:  # <!doctype>, <?...>, </ junk>: a bogus comment up to ">"
                close = text.find(">", match.end(), self.limit)
                pos = self.limit if close < 0 else close + 1
                continue
            rest = _TAG_REST.match(text, match.end(), self.limit)
            assert rest is not None  # every part of the pattern is optional
            pos, name = rest.end(), name.lower()
            if slash:
                if name in ("head", "body", "html"):
                    break
                if name == "br" and self.scan.ended_by is None and not self.end_head("br", pos):
                    break
                continue
            next_pos = self.start_tag(name, rest.group(1), pos)
            if next_pos is None:
                break
            pos = next_pos
        return self.scan


def scan_head(text: str) -> HeadScan:
    """Tokenize the head markup of a document (see the module docstring)."""
    return _Scanner(text).run()
