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

The other cost: lexbor checks each new attribute of an element against the ones before it,
so one element with 200,000 distinct attributes (a 1.9 MB tag) takes minutes; 20,000 take
0.7 s. Documents over ``LONG_DOCUMENT`` bytes are searched for tags longer than
``LONG_TAG`` bytes (quoted values skipped as the tokenizer does), and such a tag with more
than ``MAX_ATTRIBUTES`` attributes is cut off with everything after it. Smaller documents
hold ~13,000 attributes at most (~0.3 s); long tags with few attributes (a `data-page`
JSON of 500 KB) are kept.

Must not: change markup that parses in bounded time. Documents with few tags (most pages)
are not scanned at all: with at most ``SMALL_DOCUMENT`` tags the worst case is already
bounded (about 0.5 s).
"""

from __future__ import annotations

import re

SMALL_DOCUMENT = 20_000  # "<" characters below which no scan is needed
COST_BUDGET = 100_000_000  # sum of stack depths over tag tokens (about 0.2 to 0.5 s of parse)

LONG_DOCUMENT = 64 * 1024  # bytes below which no tag can hold costly attribute counts
LONG_TAG = 16 * 1024  # bytes of a start tag worth counting its attributes
MAX_ATTRIBUTES = 1_000  # on one element (~3 ms of parse); real pages have tens

_TAG = re.compile(rb"<(/?)([a-zA-Z][a-zA-Z0-9-]*)")
# A start tag's inside, quoted values whole (a ">" or "<" in quotes does not end it).
_TAG_INSIDE = rb"""(?:[^>"']|"[^"]*"|'[^']*')"""
_LONG_TAG = re.compile(rb"<[a-zA-Z]" + _TAG_INSIDE + rb"{%d}" % LONG_TAG)
_WHOLE_TAG = re.compile(rb"<[a-zA-Z]" + _TAG_INSIDE + rb"*")
_ATTRIBUTE = re.compile(rb"""[^\s/>"'=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]*))?""")
# Not pushed: void elements, and elements the tree builder closes implicitly (a model that
# pushed them would count thousands of unclosed <li> or <p> as depth that never exists).
_NOT_PUSHED = frozenset(
    b"area base br col embed hr img input link meta source track wbr param keygen frame "
    b"p li dt dd option optgroup tr td th tbody thead tfoot colgroup caption rb rt rp rtc "
    b"html head body".split()
)


def bounded_markup(utf8: bytes) -> tuple[bytes, str | None]:
    """(markup, why it was cut or None): the longest prefix whose parse cost fits the budget.

    The reason is said for the developer who fixes the page: "an element with more than
    1,000 attributes" or "elements nested 9,000 deep".
    """
    crowded = _crowded_tag(utf8)
    cut = None
    if crowded is not None:
        utf8 = utf8[:crowded]
        cut = f"an element with more than {MAX_ATTRIBUTES:,} attributes"
    if utf8.count(b"<") <= SMALL_DOCUMENT:
        return utf8, cut
    stack: list[bytes] = []
    open_count: dict[bytes, int] = {}
    cost = 0
    for match in _TAG.finditer(utf8):
        cost += len(stack)
        if cost > COST_BUDGET:
            return utf8[: match.start()], f"elements nested {len(stack):,} deep"
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
    return utf8, cut


def _crowded_tag(utf8: bytes) -> int | None:
    """Where the first start tag with more than MAX_ATTRIBUTES attributes begins, if any."""
    if len(utf8) <= LONG_DOCUMENT:
        return None
    at = 0
    while (match := _LONG_TAG.search(utf8, at)) is not None:
        start = match.start()
        whole = _WHOLE_TAG.match(utf8, start)
        assert whole is not None  # _LONG_TAG matched there
        at = whole.end()
        names = _ATTRIBUTE.finditer(utf8, start + 2, at)
        crowded = sum(1 for _ in zip(names, range(MAX_ATTRIBUTES + 1), strict=False))
        if crowded > MAX_ATTRIBUTES and not _in_script(utf8, start):
            return start
    return None


def _in_script(utf8: bytes, at: int) -> bool:
    """Whether ``at`` is inside a <script> element (where "<div ..." is only text)."""
    opened = max(utf8.rfind(b"<script", 0, at), utf8.rfind(b"<SCRIPT", 0, at))
    closed = max(utf8.rfind(b"</script", 0, at), utf8.rfind(b"</SCRIPT", 0, at))
    return opened > closed
