"""Navigation Google cannot follow: links written as JavaScript or as attributes of
elements that are not links.

Google "can follow your links only if they are an ``<a>`` HTML element with an ``href``
attribute"; it does not click, so ``<a onclick="goto(...)">``, ``<span href="...">`` or a
``<div onclick="location.href=...">`` lead nowhere for it (Google Search Central, "Make
your links crawlable"). This module finds such elements in the parsed body:

- ``<a href="javascript:...">`` that runs code (not the ``javascript:void(0)`` of a
  button-like link: its ``onclick`` decides);
- ``<a>`` or ``<area>`` without ``href`` that carry their target in a routing
  framework's attribute (``routerlink``, ``ng-href``, ``data-href``...);
- an ``href`` on an element that is not a link (``<span href>``, ``<div href>``);
- any element whose ``onclick`` leaves the page (assigns ``location``, calls
  ``location.assign``/``replace``, ``window.open`` or a router's ``navigate``), unless it
  is a real ``<a href>``.

Each is recorded with what it would have linked to, when the code names it. Must not:
count a script that does something else (a menu toggle, a tracking call on a real link).
"""

from __future__ import annotations

import re
from typing import Any

from selectolax.lexbor import LexborNode

from seoaudit.crawl.urls import resolve

MAX_RECORDED = 50  # elements kept per page (the count says how many there were)
MAX_CODE = 200  # characters of the script or attribute kept as evidence
MAX_TEXT = 100  # characters of the element's text kept

# One query, so the elements come in document order; the javascript: test is refined in
# Python (a leading space or upper case are still javascript: to a browser).
_CANDIDATES = (
    'a:not([href]), area:not([href]), [onclick], a[href*="javascript:" i], '
    "[href]:not(a):not(area):not(link):not(base)"
)
# Attributes of routing frameworks that hold a link target without being an href.
_TARGET_ATTRS = ("routerlink", "ng-href", "data-href", "data-url", "data-link")
# Script that leaves the page: assigns location, calls location.assign/replace,
# window.open, or a router's navigate(). Calling an API with a path is not navigation.
_NAVIGATES = re.compile(
    r"\blocation(?:\.href)?\s*=(?!=)|\blocation\.(?:assign|replace)\s*\(|\bwindow\.open\s*\("
    r"|\bnavigate(?:To|ByUrl)?\s*\(",
    re.IGNORECASE,
)
# javascript: URLs that do nothing (the href of a button-like <a>; its onclick decides).
_NO_OP = re.compile(
    r"javascript:\s*(?:void\s*\(?\s*0?\s*\)?|return\s+false|undefined|null)?\s*;?\s*$",
    re.IGNORECASE,
)
_QUOTED_TARGET = re.compile(r"""["']((?:https?:)?/[^"'\s<>]*|[\w./-]+\.html?(?:\?[^"'\s]*)?)["']""")


def _target(code: str, base: str) -> str | None:
    """The first quoted path or URL in ``code``, resolved against the page."""
    found = _QUOTED_TARGET.search(code)
    return resolve(base, found.group(1)) if found else None


def _record(node: LexborNode, kind: str, code: str, target: str | None) -> dict[str, Any]:
    text = " ".join((node.text() or "").split())
    return {
        "kind": kind,
        "tag": node.tag or "",
        "code": code[:MAX_CODE],
        "target": target,
        "text": text[:MAX_TEXT],
    }


def _classify(node: LexborNode, base: str) -> dict[str, Any] | None:
    attrs = node.attributes
    tag = node.tag
    onclick = attrs.get("onclick") or ""
    is_link = tag in ("a", "area")
    if is_link and "href" in attrs:
        href = (attrs.get("href") or "").strip()
        if not href.lower().startswith("javascript:"):
            return None  # a crawlable link; an onclick on it (tracking) does not matter
        if not _NO_OP.match(href):
            return _record(node, "javascript-href", f'href="{href}"', _target(href, base))
    elif is_link:
        for name in _TARGET_ATTRS:
            value = (attrs.get(name) or "").strip()
            if value:
                return _record(node, "no-href", f'{name}="{value}"', resolve(base, value))
    elif "href" in attrs:
        value = (attrs.get("href") or "").strip()
        if value:
            return _record(node, "href-on-non-link", f'href="{value}"', resolve(base, value))
    if onclick and _NAVIGATES.search(onclick):
        return _record(node, "onclick", f'onclick="{onclick}"', _target(onclick, base))
    return None


def js_links(body: LexborNode | None, base: str) -> tuple[list[dict[str, Any]], int]:
    """(the first ``MAX_RECORDED`` elements that navigate without a crawlable link, in
    document order; how many there are)."""
    if body is None:
        return [], 0
    found: list[dict[str, Any]] = []
    count = 0
    seen: set[int] = set()  # lexbor returns an element once per selector it matches
    for node in body.css(_CANDIDATES):
        if node.mem_id in seen:
            continue
        seen.add(node.mem_id)
        record = _classify(node, base)
        if record is not None:
            count += 1
            if len(found) < MAX_RECORDED:
                found.append(record)
    return found, count
