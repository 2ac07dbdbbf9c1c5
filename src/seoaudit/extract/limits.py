"""Keeping the HTML parse bounded on pathological markup.

The HTML tree-construction algorithm walks the stack of open elements for many tokens
(every block start tag checks for an open <p> "in button scope"; an unmatched end tag walks
down to the first special element). Browsers cap the tree depth (Blink: 512) so that this
stays cheap; lexbor does not, so 20,000 nested ``<div>`` take 0.4 s and 400,000 (2 MB of
markup) would take minutes. Real pages are 10 to 50 elements deep.

Owns: ``bounded_markup``, which cuts a document before the tag where the parse would become
too expensive. The cost model: every tag token costs the current depth of an approximate
stack of open elements (end tags pop back to their element, stray end tags are ignored,
void elements and elements with optional end tags are not pushed: amortised O(1) per tag).

Must not: change markup that parses in bounded time. Documents with few tags (most pages)
are not scanned at all: with at most ``SMALL_DOCUMENT`` tags the worst case is already
bounded (about 0.5 s).
"""

from __future__ import annotations

import re

SMALL_DOCUMENT = 20_000  # "<" characters below which no scan is needed
COST_BUDGET = 100_000_000  # sum of stack depths over tag tokens (about 0.2 to 0.5 s of parse)

_TAG = re.compile(rb"<(/?)([a-zA-Z][a-zA-Z0-9-]*)")
# Not pushed: void elements, and elements the tree builder closes implicitly (a model that
# pushed them would count thousands of unclosed <li> or <p> as depth that never exists).
_NOT_PUSHED = frozenset(
    b"area base br col embed hr img input link meta source track wbr param keygen frame "
    b"p li dt dd option optgroup tr td th tbody thead tfoot colgroup caption rb rt rp rtc "
    b"html head body".split()
)


def bounded_markup(utf8: bytes) -> tuple[bytes, bool]:
    """(markup, whether it was cut): the longest prefix whose parse cost fits the budget."""
    if utf8.count(b"<") <= SMALL_DOCUMENT:
        return utf8, False
    stack: list[bytes] = []
    open_count: dict[bytes, int] = {}
    cost = 0
    for match in _TAG.finditer(utf8):
        cost += len(stack)
        if cost > COST_BUDGET:
            return utf8[: match.start()], True
        name = match.group(2).lower()
        if name in _NOT_PUSHED:
            continue
        if not match.group(1):
            stack.append(name)
            open_count[name] = open_count.get(name, 0) + 1
        elif open_count.get(name):
            while stack:  # pop back to the element this end tag closes
                popped = stack.pop()
                open_count[popped] -= 1
                if popped == name:
                    break
    return utf8, False
