"""Robots directives: ``<meta name="robots|googlebot|...">`` content and ``X-Robots-Tag``.

Owns: splitting a directive value into lower-cased rule tokens, the crawler prefixes of
``X-Robots-Tag`` values, and which meta names are robots meta tags.

Must not: decide what the rules mean (indexable or not, which agent wins): rules do that,
reading the ``Directive`` facts made here.

Semantics follow Google's robots meta tag documentation
(https://developers.google.com/search/docs/crawling-indexing/robots-meta-tag): rules are
comma-separated and case-insensitive; a header value may name a crawler before its rules
(``googlebot: noindex``), and one value may switch crawler part-way
(``noindex, otherbot: nofollow``, as MDN documents the syntax); rules with no crawler apply
to all. ``unavailable_after`` takes a date that itself contains colons and often commas
(RFC 850 ``Wednesday, 03-Nov-27 15:00:00 GMT``), so it is kept whole as one token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from seoaudit.models import Directive

# The vocabulary of robots directives Google documents (plus the ones it no longer uses),
# shared with the IDX rules. Rules whose name is followed by ":value"; a "name:" that is
# one of these is not a crawler.
VALUED_RULES = frozenset(
    {"max-snippet", "max-image-preview", "max-video-preview", "unavailable_after"}
)
PLAIN_RULES = frozenset(
    {
        "all",
        "none",
        "index",
        "noindex",
        "follow",
        "nofollow",
        "nosnippet",
        "noarchive",
        "nocache",
        "notranslate",
        "noimageindex",
        "indexifembedded",
        "nositelinkssearchbox",
        "noodp",
        "noydir",
    }
)
_AGENT = re.compile(r"[a-z0-9][a-z0-9_.\-]*")
_WEEKDAYS = frozenset(
    {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
    | {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
)
# Meta names that address a crawler. Google reads robots, googlebot and googlebot-news;
# the rest are recorded so rules can tell the user that Google ignores them (IDX-010).
_CRAWLER_NAMES = frozenset(
    {
        "robots",
        "slurp",
        "yandex",
        "baiduspider",
        "teoma",
        "adsbot-google",
        "mediapartners-google",
        "google-extended",
        "storebot-google",
        "google-inspectiontool",
        "googleother",
    }
)
_CRAWLER_NAME = re.compile(r"[a-z0-9._-]*bot(?:-[a-z0-9-]+)?")
MAX_VALUE = 4096  # longer values are cut: no real directive comes close


@dataclass(slots=True)
class _Segment:
    agent: str
    start: int
    end: int
    tokens: list[str]


def is_robots_meta(name: str) -> bool:
    """Whether a lower-cased ``<meta name>`` addresses crawlers (robots, googlebot, ...)."""
    return name in _CRAWLER_NAMES or _CRAWLER_NAME.fullmatch(name) is not None


def _token(rule: str) -> str:
    name, colon, value = rule.partition(":")
    name = name.strip().lower()
    if not colon:
        return " ".join(name.split())
    if name == "unavailable_after":
        return f"unavailable_after: {' '.join(value.split())}"
    return f"{name}:{value.strip().lower()}"


def _continues_date(date: str, piece: str) -> bool:
    """Whether a comma-separated piece is the rest of an unavailable_after date."""
    piece = piece.strip()
    return date.strip().lower() in _WEEKDAYS or piece[:1].isdigit()


def _agent_prefix(piece: str) -> tuple[str, str] | None:
    """``googlebot: noindex`` -> ("googlebot", " noindex"); None when not a crawler prefix."""
    name, colon, rest = piece.partition(":")
    if not colon:
        return None
    name = name.strip().lower()
    if name in VALUED_RULES or name in PLAIN_RULES or not _AGENT.fullmatch(name):
        return None
    return name, rest


def _segments(value: str, agent: str, allow_agents: bool) -> list[_Segment]:
    segments: list[_Segment] = []
    current: _Segment | None = None
    date: str | None = None  # the date so far of the last unavailable_after rule
    for match in re.finditer(r"[^,]+", value):
        piece = match.group()
        if date is not None and current is not None and _continues_date(date, piece):
            date = f"{date},{piece}"
            current.tokens[-1] = _token(f"unavailable_after:{date}")
            current.end = match.end()
            continue
        date = None
        prefix = _agent_prefix(piece) if allow_agents else None
        if prefix is not None:
            agent, piece = prefix
            current = None
        if current is None:
            current = _Segment(agent, match.start(), match.end(), [])
            segments.append(current)
        current.end = match.end()
        if piece.strip():
            current.tokens.append(_token(piece))
            name, colon, rest = piece.partition(":")
            if colon and name.strip().lower() == "unavailable_after":
                date = rest
    return segments


def meta_directive(name: str, content: str, *, in_body: bool, after_head_end: bool) -> Directive:
    """One ``<meta name=... content=...>``: ``name`` is lower-cased, "robots" means all."""
    content = content[:MAX_VALUE]
    tokens = [t for s in _segments(content, "*", False) for t in s.tokens]
    return Directive(
        source="meta",
        agent="*" if name == "robots" else name,
        value=content,
        tokens=tokens,
        in_body=in_body,
        after_head_end=after_head_end,
    )


def header_directives(values: list[str]) -> list[Directive]:
    """Every ``X-Robots-Tag`` header value, split by crawler: one Directive per crawler
    segment, ``value`` being that segment as written."""
    directives = []
    for raw in values:
        value = raw[:MAX_VALUE]
        for segment in _segments(value, "*", True):
            written = value[segment.start : segment.end].strip()
            if written:
                directives.append(
                    Directive(
                        source="header", agent=segment.agent, value=written, tokens=segment.tokens
                    )
                )
    return directives
