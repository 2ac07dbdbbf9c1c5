"""Facts carried by HTTP response headers, for any media type (HTML, PDF, images...).

Owns: parsing ``Link`` headers (RFC 8288) into canonicals and hreflang alternates, and
collecting ``X-Robots-Tag`` directives (the syntax itself lives in ``directives``).

Must not: read the body. A header is adversarial input like any other: values are capped
and junk between links is skipped, never raised on.
"""

from __future__ import annotations

import re

from seoaudit.crawl.urls import resolve
from seoaudit.extract.directives import header_directives
from seoaudit.models import Canonical, Directive, Hreflang

MAX_LINK_HEADER = 65536  # characters of one Link header value that are read
MAX_LINKS = 1000  # link-values read from all Link headers of one response

_WS = " \t"
_TOKEN = re.compile(r"[^\s;,=\"<>]+")
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"?', re.DOTALL)
_UNQUOTED = re.compile(r"[^;,]*")
_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)
_DELIMITER = re.compile(r"[;,]")

LinkValue = tuple[str, dict[str, str]]  # (URI reference as written, lower-cased params)


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WS:
        pos += 1
    return pos


def _next_delimiter(text: str, pos: int) -> int:
    match = _DELIMITER.search(text, pos)
    return len(text) if match is None else match.start()


def _param(text: str, pos: int) -> tuple[str, str, int] | None:
    """One ``; name="value"`` parameter starting after the ';'; None when junk."""
    pos = _skip_ws(text, pos)
    name = _TOKEN.match(text, pos)
    if name is None:
        return None
    pos = _skip_ws(text, name.end())
    value = ""
    if pos < len(text) and text[pos] == "=":
        pos = _skip_ws(text, pos + 1)
        if pos < len(text) and text[pos] == '"':
            quoted = _QUOTED.match(text, pos)
            assert quoted is not None  # the pattern always matches at a quote
            value, pos = _UNESCAPE.sub(r"\1", quoted.group(1)), quoted.end()
        else:
            unquoted = _UNQUOTED.match(text, pos)
            assert unquoted is not None  # the pattern matches the empty string
            value, pos = unquoted.group().strip(), unquoted.end()
    return name.group().lower(), value, pos


def parse_link_header(value: str) -> list[LinkValue]:
    """``<a>; rel="canonical", <b>; rel=alternate; hreflang=de`` -> link-values. The first
    occurrence of a parameter wins (RFC 8288 section 3.3 for rel)."""
    text = value[:MAX_LINK_HEADER]
    links: list[LinkValue] = []
    pos = 0
    while pos < len(text) and len(links) < MAX_LINKS:
        start = text.find("<", pos)
        if start < 0:
            break
        end = text.find(">", start + 1)
        if end < 0:
            break
        target, pos = text[start + 1 : end].strip(), end + 1
        params: dict[str, str] = {}
        while True:
            pos = _skip_ws(text, pos)
            if pos >= len(text) or text[pos] == ",":
                break
            if text[pos] != ";":  # junk: skip to the next parameter or link-value
                pos = _next_delimiter(text, pos)
                continue
            parsed = _param(text, pos + 1)
            if parsed is None:
                pos = _next_delimiter(text, pos + 1)
                continue
            name, param_value, pos = parsed
            params.setdefault(name, param_value)
        links.append((target, params))
    return links


def header_links(headers: list[tuple[str, str]]) -> list[LinkValue]:
    links: list[LinkValue] = []
    for name, value in headers:
        if name == "link":
            links.extend(parse_link_header(value))
    return links[:MAX_LINKS]


def link_canonicals_and_hreflangs(
    headers: list[tuple[str, str]], base: str
) -> tuple[list[Canonical], list[Hreflang]]:
    """Canonicals and hreflang alternates from ``Link`` headers, resolved against the
    response URL (RFC 8288 section 3.2: the context is the response, not ``<base>``)."""
    canonicals: list[Canonical] = []
    hreflangs: list[Hreflang] = []
    for target, params in header_links(headers):
        rels = params.get("rel", "").lower().split()
        if "canonical" in rels:
            attrs = {k: v for k, v in params.items() if k != "rel"}
            canonicals.append(
                Canonical(source="header", href=target, url=resolve(base, target), attrs=attrs)
            )
        if "alternate" in rels and "hreflang" in params:
            attrs = {k: v for k, v in params.items() if k not in ("rel", "hreflang")}
            hreflangs.append(
                Hreflang(
                    source="header",
                    lang=params["hreflang"],
                    href=target,
                    url=resolve(base, target),
                    attrs=attrs,
                )
            )
    return canonicals, hreflangs


def robots_header_directives(headers: list[tuple[str, str]]) -> list[Directive]:
    return header_directives([value for name, value in headers if name == "x-robots-tag"])
