"""The page skeleton: a short hash of the body's tag and class structure.

Pages rendered by one template share their structure (header, nav, product grid, footer)
while their text, links and the number of repeated items differ. ``templates.py`` groups
pages by this hash together with their URL pattern, so findings that one template change
fixes become one issue.

The hash covers the *set* of distinct element paths from ``<body>`` down to ``MAX_DEPTH``
levels, each element written as its tag plus its stable class names. A set, so 3 or 300
repeated product cards give the same skeleton; depth-limited, so deep content markup
(an article's paragraphs and lists) does not split a template. Class names that carry an
id or a state (``post-123``, ``is-active``, ``current``) are dropped: they vary per page.

Cheap by construction: breadth-first, at most ``MAX_NODES`` elements, no text is read.
Must not judge anything; the hash is a fact like the text fingerprint.
"""

from __future__ import annotations

import hashlib
from collections import deque

from selectolax.lexbor import LexborNode

MAX_DEPTH = 6  # element levels below <body> that shape a layout
MAX_NODES = 2000  # elements visited at most (breadth-first: the layout comes first)
MAX_CLASSES = 4  # class names kept per element (utility-class soups add nothing)
_SKIPPED = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "br", "wbr"})
_STATE_CLASSES = frozenset({"active", "current", "selected", "open", "show", "hidden"})
_STATE_PREFIXES = ("is-", "has-", "js-")


def _classes(node: LexborNode) -> str:
    value = node.attributes.get("class")
    if not value:
        return ""
    kept = sorted(
        {
            token
            for token in value.split()
            if not any(c.isdigit() for c in token)
            and token not in _STATE_CLASSES
            and not token.startswith(_STATE_PREFIXES)
        }
    )[:MAX_CLASSES]
    return "." + ".".join(kept) if kept else ""


def skeleton(body: LexborNode | None) -> str | None:
    """16 hex digits naming the body's structure, or None without a body or elements."""
    if body is None:
        return None
    paths: set[str] = set()
    queue: deque[tuple[LexborNode, str, int]] = deque([(body, "", 0)])
    visited = 0
    while queue and visited < MAX_NODES:
        node, path, depth = queue.popleft()
        if depth >= MAX_DEPTH:
            continue
        for child in node.iter(include_text=False):
            tag = child.tag
            if not tag or tag.startswith("-") or tag in _SKIPPED:
                continue
            visited += 1
            if visited > MAX_NODES:
                break
            child_path = f"{path}/{tag}{_classes(child)}"
            paths.add(child_path)
            queue.append((child, child_path, depth + 1))
    if not paths:
        return None
    digest = hashlib.sha1("\n".join(sorted(paths)).encode(), usedforsecurity=False)
    return digest.hexdigest()[:16]
