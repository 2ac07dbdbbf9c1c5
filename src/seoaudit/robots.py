"""robots.txt exactly as Google reads it: parsing, group selection, matching, fetch outcomes.

Owns: turning a robots.txt body into groups and rules the way Google's reference parser
(google/robotstxt, ``robots.cc``) does, deciding "may crawler X fetch URL Y" with RFC 9309
precedence, Google's per-crawler token fall-backs, the meaning of each robots.txt fetch
outcome (2xx, 3xx, 4xx, 429, 5xx, network errors), and the line problems an auditor
reports (rules outside groups, unsupported directives, HTML bodies, ...).

Must not: do I/O (the crawler fetches robots.txt and hands over status and body), print,
or know about findings. The behaviour is specified in reference/robots.md; the acceptance
cases are tests/data/robots_cases.json.

Where the RFC and the reference disagree (reference/robots.md, "Where the RFC and Google's
reference matcher disagree"), this module follows the recommended column: before matching,
non-ASCII in the URL is percent-encoded (UTF-8), every ``%xx`` is upper-cased, escapes of
unreserved characters are decoded on both sides (``%2F`` and other reserved escapes stay),
and a literal ``$`` or ``*`` in the URL matches ``%24`` / ``%2A`` in a rule (RFC 9309 2.2.3).
A rule's weight is always the length Google gives it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal
from urllib.parse import quote_from_bytes

from seoaudit.models import RobotsVerdict

# Google ignores everything after 500 KiB (Search Central, "How Google interprets the
# robots.txt specification"); RFC 9309 2.5 allows any cap of at least 500 KiB.
MAX_BODY_BYTES = 512_000
# robots.cc: kMaxLineLen = 2083 * 8, minus the terminating NUL.
MAX_LINE_BYTES = 2083 * 8 - 1
# RFC 9309 2.3.1.2: follow at least five redirects; Google treats more as a 404.
MAX_REDIRECTS = 5
# A hostile file could produce one problem per line; keep the list bounded.
MAX_PROBLEMS = 1000

ProblemKind = Literal[
    "rule-outside-group",
    "unsupported-directive",
    "unknown-directive",
    "invalid-line",
    "invalid-path",
    "invalid-sitemap",
    "line-too-long",
    "looks-like-html",
]

# Directives people write that Google ignores (ROB-010).
UNSUPPORTED_DIRECTIVES = frozenset(
    str.split(
        "crawl-delay noindex nofollow noarchive nosnippet host clean-param request-rate "
        "visit-time cache-delay"
    )
)


@dataclass(frozen=True)
class Crawler:
    """How one crawler picks its group: its own token first, then ``fallbacks`` in order
    when no group names it, then ``*`` unless it is one of Google's special-case crawlers
    that obey only groups naming them (Google, "Overview of Google crawlers")."""

    token: str
    fallbacks: tuple[str, ...] = ()
    obeys_global: bool = True


GOOGLE_CRAWLERS: dict[str, Crawler] = {
    c.token: c
    for c in (
        Crawler("googlebot"),
        Crawler("googlebot-image", ("googlebot",)),
        Crawler("googlebot-video", ("googlebot",)),
        Crawler("googlebot-news", ("googlebot",)),
        Crawler("google-inspectiontool", ("googlebot",)),
        Crawler("storebot-google"),
        Crawler("googleother"),
        Crawler("googleother-image", ("googleother",)),
        Crawler("googleother-video", ("googleother",)),
        Crawler("google-cloudvertexbot"),
        Crawler("google-extended"),
        Crawler("apis-google", obeys_global=False),
        Crawler("adsbot-google", obeys_global=False),
        Crawler("adsbot-google-mobile", obeys_global=False),
        Crawler("mediapartners-google", obeys_global=False),
    )
}
# Apple documents that Applebot follows the Googlebot group when no group names Applebot.
CRAWLERS: dict[str, Crawler] = {**GOOGLE_CRAWLERS, "applebot": Crawler("applebot", ("googlebot",))}

# Product tokens recognised inside a full User-Agent header (rules-kb.md 1.7 and the
# big search engines). Longest first so that "googlebot-image" wins over "googlebot".
_OTHER_TOKENS = str.split(
    "bingbot gptbot oai-searchbot chatgpt-user oai-adsbot claudebot claude-searchbot "
    "claude-user claude-web anthropic-ai perplexitybot perplexity-user applebot-extended "
    "ccbot bytespider amazonbot meta-externalagent meta-externalfetcher meta-webindexer "
    "facebookexternalhit duckduckbot yandexbot baiduspider"
)
KNOWN_TOKENS: tuple[str, ...] = tuple(
    sorted({*CRAWLERS, *_OTHER_TOKENS}, key=lambda t: (-len(t), t))
)


# ---------------------------------------------------------------------------------------
# Public result types
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One allow/disallow line. ``pattern`` is the value as written (comment cut),
    ``raw`` the whole line as written (stripped); both show invalid UTF-8 as ``\\xNN`` and
    are capped at 300 characters. ``weight`` is the pattern's length after Google's
    escaping: the precedence of RFC 9309 2.2.2 ("most octets")."""

    allow: bool
    pattern: str
    line: int
    raw: str
    weight: int = 0


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rule: Rule | None  # the deciding rule; None when no rule with a non-empty pattern matched
    group: str  # lower-cased token of the group used, "*", or "" when no group applied


@dataclass(frozen=True)
class LineProblem:
    line: int
    kind: ProblemKind
    text: str  # the line as written (stripped, capped)
    directive: str | None = None  # lower-cased directive name for directive problems


# ---------------------------------------------------------------------------------------
# Lines, the way robots.cc reads them (all byte-level, so case folding is ASCII-only)
# ---------------------------------------------------------------------------------------

_BOM = b"\xef\xbb\xbf"
_ASCII_WS = b" \t\n\v\f\r"  # absl::StripAsciiWhitespace
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
_NO_COLON = re.compile(rb"([^ \t]+)[ \t]+([^ \t]+)")
_AGENT_CHARS = re.compile(rb"[A-Za-z_-]*")
_GOOGLE_ESCAPE = re.compile(rb"%[0-9A-Fa-f]{2}|[\x80-\xff]")
_HTML_LINE = re.compile(rb"<\s*(!doctype|html|head|body|meta|title|script|link|div)\b", re.I)
_USER_AGENT_KEYS = (b"user-agent", b"useragent", b"user agent")
_DISALLOW_KEYS = (b"disallow", b"dissallow", b"dissalow", b"disalow", b"diasllow", b"disallaw")
_SITEMAP_KEYS = (b"sitemap", b"site-map")


def _display(data: bytes, limit: int = 300) -> str:
    # Human-facing text must survive JSON and SQLite: show invalid UTF-8 as \xNN.
    text = data[:limit].decode("utf-8", "backslashreplace")
    return text if len(data) <= limit else text + "…"


def _skip_bom(data: bytes) -> bytes:
    # robots.cc skips any prefix of the UTF-8 BOM at the very start, even a partial one.
    skip = 0
    while skip < 3 and skip < len(data) and data[skip] == _BOM[skip]:
        skip += 1
    return data[skip:]


def _key_value(content: bytes) -> tuple[bytes, bytes] | None:
    """robots.cc GetKeyAndValueFrom on a comment-free, stripped line: split at the first
    colon; without one, accept "key value" only when there are exactly two words."""
    sep = content.find(b":")
    if sep < 0:
        match = _NO_COLON.fullmatch(content)
        return (match[1], match[2]) if match else None
    key = content[:sep].strip(_ASCII_WS)
    return (key, content[sep + 1 :].strip(_ASCII_WS)) if key else None


def _key_kind(key: bytes) -> str:
    # Google counts a key when it *starts with* the keyword, with a few frequent typos
    # (robots.cc ParsedRobotsKey). "allow" gets no typo tolerance.
    lower = key.lower()
    if lower.startswith(_USER_AGENT_KEYS):
        return "user-agent"
    if lower.startswith(b"allow"):
        return "allow"
    if lower.startswith(_DISALLOW_KEYS):
        return "disallow"
    if lower.startswith(_SITEMAP_KEYS):
        return "sitemap"
    return "unknown"


def _agent_token(value: bytes) -> str:
    """The group token of a user-agent value: "*" (alone or followed by whitespace) is
    the global group; otherwise only the leading run of [A-Za-z_-] counts."""
    if value[:1] == b"*" and (len(value) == 1 or value[1:2].isspace()):
        return "*"
    match = _AGENT_CHARS.match(value)
    return match[0].decode("ascii").lower() if match else ""


def _google_escape(value: bytes) -> str:
    # robots.cc MaybeEscapePattern: %xx upper-cased, bytes >= 0x80 become %XX.
    def fix(match: re.Match[bytes]) -> bytes:
        text = match[0]
        return text.upper() if len(text) == 3 else b"%%%02X" % text[0]

    return _GOOGLE_ESCAPE.sub(fix, value).decode("ascii", "backslashreplace")


_STRAY_BYTE = re.compile("[\udc80-\udcff]")


def _url_text(value: bytes) -> str:
    """A URL read from robots.txt: UTF-8 text, a byte that is no UTF-8 percent-encoded
    (``caf\xe9.xml`` -> ``caf%E9.xml``, the bytes a crawler sends)."""
    text = value.decode("utf-8", "surrogateescape")
    return _STRAY_BYTE.sub(lambda m: f"%{ord(m[0]) - 0xDC00:02X}", text)


# ---------------------------------------------------------------------------------------
# Matching: the path side and the pattern side, normalised the same way
# ---------------------------------------------------------------------------------------

_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_PATH_START = re.compile(r"[/?;]")
_PLAIN = re.compile(r"[^%$*\x80-\U0010ffff]*")
# Only non-ASCII is encoded on the URL side; ASCII is left exactly as the reference sees it.
_ASCII = "".join(chr(c) for c in range(0x80))


def _fix_escape(match: re.Match[str]) -> str:
    char = chr(int(match[1], 16))
    return char if char in _UNRESERVED else "%" + match[1].upper()


def _normalise(text: str, *, url: bool) -> str:
    """RFC 9309 2.2.2 comparison form: percent-encode non-ASCII (UTF-8; raw bytes kept
    as surrogate escapes become their own %XX), upper-case escapes, decode unreserved
    ones. "$" becomes %24: patterns arrive here without their final anchor, so any "$"
    left is literal. On the URL side "*" becomes %2A too (patterns are split on it), so a
    rule's %24 / %2A matches a literal "$" / "*" in the URL (RFC 9309 2.2.3)."""
    if _PLAIN.fullmatch(text):
        return text
    if url and not text.isascii():
        text = quote_from_bytes(_as_bytes(text), safe=_ASCII)
    if "%" in text:
        text = _ESCAPE.sub(_fix_escape, text)
    text = text.replace("$", "%24")
    return text.replace("*", "%2A") if url else text


def _path_params_query(url: str) -> str:
    """robots.cc GetPathParamsQuery: path, params and query, fragment dropped, always
    starting with "/"; "/" when the URL has no path."""
    start = 2 if url.startswith("//") else 0
    early = _PATH_START.search(url, start)
    proto = url.find("://", start)
    # "://" only ends a scheme when no "/", "?" or ";" comes before it.
    scheme_ends = proto >= 0 and (early is None or early.start() > proto)
    proto_end = proto + 3 if scheme_ends else start
    found = _PATH_START.search(url, proto_end)
    if found is None:
        return "/"
    path_start = found.start()
    hash_pos = url.find("#", start)
    if 0 <= hash_pos < path_start:
        return "/"
    path = url[path_start : hash_pos if hash_pos >= 0 else len(url)]
    return path if path.startswith("/") else "/" + path


def match_path(url: str) -> str:
    """The string rules are matched against: path + params + query of ``url``,
    normalised as described in the module docstring."""
    return _normalise(_path_params_query(url), url=True)


def _is_robots_txt(path: str) -> bool:
    # RFC 9309 2.2.2: "/robots.txt" itself is implicitly allowed (the query is ignored).
    return path == "/robots.txt" or path.startswith(("/robots.txt?", "/robots.txt;"))


_PREFIX, _EXACT, _GLOB, _GLOB_END = range(4)
# (kind, first literal, middle literals, last literal); see _matches.
_Matcher = tuple[int, str, tuple[str, ...], str]


def _compile(pattern: str) -> _Matcher:
    """A rule pattern (Google-escaped) as literal pieces around "*", with a final "$"
    anchoring the end. Matching is linear string searching, never regex backtracking,
    because both patterns and URLs come from the website."""
    anchored = pattern.endswith("$")
    body = pattern[:-1] if anchored else pattern
    parts = [_normalise(p, url=False) for p in body.split("*")]
    if len(parts) == 1:
        return (_EXACT if anchored else _PREFIX, parts[0], (), "")
    middle = tuple(p for p in parts[1:-1] if p)
    return (_GLOB_END if anchored else _GLOB, parts[0], middle, parts[-1])


def _matches(path: str, kind: int, first: str, middle: tuple[str, ...], last: str) -> bool:
    if kind == _PREFIX:
        return path.startswith(first)
    if kind == _EXACT:
        return path == first
    if not path.startswith(first):
        return False
    # Leftmost placement of each literal leaves the most room for the rest, so a greedy
    # scan decides wildcard matching exactly (O(len(path) * pieces)).
    pos = len(first)
    for piece in middle:
        found = path.find(piece, pos)
        if found < 0:
            return False
        pos = found + len(piece)
    if kind == _GLOB_END:
        return len(path) - len(last) >= pos and path.endswith(last)
    return path.find(last, pos) >= 0


def path_matcher(pattern: str) -> tuple[str | None, Callable[[str], bool]]:
    """How ``decide`` matches a rule pattern, for rules that ask which paths (as
    ``match_path`` gives them) a robots.txt line covers: (its literal prefix when the
    pattern is a plain prefix, so a sorted list can be searched; else None, a matcher).
    ``pattern`` is a value as written (``Rule.pattern``); Google's escaping is applied."""
    kind, first, middle, last = _compile(_google_escape(pattern.encode("utf-8", "replace")))
    return (first if kind == _PREFIX else None), lambda path: _matches(
        path, kind, first, middle, last
    )


def _index_html_pattern(pattern: str) -> str | None:
    # robots.cc HandleAllow: an allow rule whose last segment starts with "/index.htm"
    # is retried as "<directory>/$" when it does not match.
    slash = pattern.rfind("/")
    if slash >= 0 and pattern.startswith("/index.htm", slash):
        return pattern[: slash + 1] + "$"
    return None


# One compiled rule: its matcher and the decision it produces when it matches.
_Entry = tuple[int, str, tuple[str, ...], str, Decision]


# ---------------------------------------------------------------------------------------
# The parsed file
# ---------------------------------------------------------------------------------------


class _Group:
    """One run of user-agent lines and the rules after it (RFC 9309 2.2.1)."""

    __slots__ = ("delay", "rules")

    def __init__(self) -> None:
        self.rules: list[tuple[Rule, str]] = []  # (rule, Google-escaped pattern)
        self.delay: float | None = None


_ROBOTS_TXT = Decision(True, None, "")
_NO_GROUP = Decision(True, None, "")


class RobotsTxt:
    """One parsed robots.txt. Parse once per host; ``decide`` is the hot path: each
    group's merged rules are compiled once, sorted so that the first match decides."""

    def __init__(self) -> None:
        self.sitemaps: list[tuple[int, str]] = []  # (line, value as written)
        self.truncated = False  # the body was over MAX_BODY_BYTES
        self.first_lost_line: int | None = None  # first line not (fully) read after the cut
        self.problems: list[LineProblem] = []
        self.problems_dropped = 0  # problems beyond MAX_PROBLEMS, counted only
        self.lines = 0  # lines read (after the cut)
        self._groups: dict[str, list[_Group]] = {}  # token ("*" included) -> its groups
        self._compiled: dict[str, _CompiledGroup] = {}

    @classmethod
    def parse(cls, body: bytes | str) -> RobotsTxt:
        data = _as_bytes(body)
        robots = cls()
        if len(data) > MAX_BODY_BYTES:
            robots.truncated = True
            robots.first_lost_line = _first_lost_line(data)
            data = data[:MAX_BODY_BYTES]
        _Parser(robots).feed(_skip_bom(data))
        return robots

    def agents(self) -> set[str]:
        """Lower-cased tokens that have at least one group, "*" included."""
        return set(self._groups)

    def rules_for(self, token: str) -> list[Rule]:
        """The merged rules of the group ``decide`` would use for ``token``, in file order."""
        group = self._select(product_token(token))
        return [rule for g in self._groups.get(group, ()) for rule, _ in g.rules]

    def decide(self, token: str, url: str) -> Decision:
        """Single-token matcher (google/robotstxt OneAgentAllowedByRobots plus the RFC
        choices of the module docstring): the groups naming the token, else ``*``."""
        return self._decide(self._select(product_token(token)), url)

    def decide_for_crawler(self, token: str, url: str) -> Decision:
        """Crawler-level selection: Google crawlers that carry a second token fall back
        to it (Googlebot-Image -> Googlebot); special-case crawlers ignore ``*``."""
        return self._decide(self.crawler_group(token), url)

    def crawler_group(self, token: str) -> str:
        """The group ``decide_for_crawler`` reads for ``token``: "" when none applies."""
        token = product_token(token)
        crawler = CRAWLERS.get(token)
        if crawler is None:
            return self._select(token)
        for candidate in (crawler.token, *crawler.fallbacks):
            if candidate in self._groups:
                return candidate
        return "*" if crawler.obeys_global and "*" in self._groups else ""

    def crawler_rules(self, token: str) -> frozenset[tuple[bool, str]]:
        """The rules of the group ``token``'s crawler obeys, as (allow, Google-escaped
        pattern): two files with the same set decide every URL alike for it (the
        precedence depends on the pattern and allow only). Empty rules never decide and
        are left out."""
        groups = self._groups.get(self.crawler_group(token), ())
        return frozenset(
            (rule.allow, escaped) for g in groups for rule, escaped in g.rules if escaped
        )

    def crawl_delay(self, token: str) -> float | None:
        """The first valid Crawl-delay of the group that applies. Google ignores it;
        Bing, Common Crawl and Anthropic honour it."""
        group = self._select(product_token(token))
        return next((g.delay for g in self._groups.get(group, ()) if g.delay is not None), None)

    def _select(self, token: str) -> str:
        if token and token in self._groups:
            return token
        return "*" if "*" in self._groups else ""

    def _decide(self, group: str, url: str) -> Decision:
        path = match_path(url)
        if _is_robots_txt(path):
            return _ROBOTS_TXT
        if not group:
            return _NO_GROUP
        compiled = self._compiled.get(group) or self._compile(group)
        for kind, first, middle, last, decision in compiled.candidates(path):
            if kind == _PREFIX:
                if path.startswith(first):
                    return decision
            elif last in path and _matches(path, kind, first, middle, last):
                return decision  # ("last in path" is a cheap necessary condition)
        return compiled.no_match

    def _compile(self, group: str) -> _CompiledGroup:
        entries: list[tuple[int, bool, int, _Entry]] = []
        for g in self._groups[group]:
            for rule, escaped in g.rules:
                if not escaped:
                    continue  # an empty rule matches with weight 0: it never decides
                decision = Decision(rule.allow, rule, group)
                entries.append((rule.weight, rule.allow, rule.line, (*_compile(escaped), decision)))
                alternative = _index_html_pattern(escaped) if rule.allow else None
                if alternative:
                    # Lighter than the rule itself, so it only decides when the rule does
                    # not match: exactly robots.cc's retry.
                    entry = (*_compile(alternative), decision)
                    entries.append((len(alternative), True, rule.line, entry))
        # Heaviest first; allow before disallow on equal weight (RFC 9309 2.2.2); then file
        # order, as robots.cc keeps the first of equal matches. The first match decides.
        entries.sort(key=lambda e: (-e[0], not e[1], e[2]))
        compiled = _CompiledGroup(tuple(e[3] for e in entries), Decision(True, None, group))
        self._compiled[group] = compiled
        return compiled


class _CompiledGroup:
    """A group's merged rules in decision order, bucketed by the path character after the
    leading "/": a rule whose literal start is "/a..." can only match paths under "/a",
    so most URLs are checked against a handful of rules instead of all of them."""

    # Rules starting "/*" or "/" belong to every bucket (at most 129: paths start with "/"
    # and non-ASCII is escaped); past this many, buckets would cost more than they save.
    MAX_SHARED = 2000

    def __init__(self, entries: tuple[_Entry, ...], no_match: Decision) -> None:
        self.entries = entries
        self.no_match = no_match
        self.buckets: dict[str, tuple[_Entry, ...]] = {}
        self.bucketed = sum(len(e[1]) < 2 for e in entries) <= self.MAX_SHARED

    def candidates(self, path: str) -> tuple[_Entry, ...]:
        if not self.bucketed:
            return self.entries
        key = path[1:2]
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = tuple(e for e in self.entries if len(e[1]) < 2 or e[1][1] == key)
            self.buckets[key] = bucket
        return bucket


# Surrogates that surrogateescape cannot turn back into a byte (it uses U+DC80-U+DCFF).
_STRAY_SURROGATE = re.compile("[\ud800-\udc7f\udd00-\udfff]")


def _as_bytes(body: bytes | str) -> bytes:
    if not isinstance(body, str):
        return bytes(body)
    try:
        return body.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # lone surrogates that are not escaped bytes
        return _STRAY_SURROGATE.sub("\ufffd", body).encode("utf-8", "surrogateescape")


def _first_lost_line(data: bytes) -> int | None:
    head, rest = data[:MAX_BODY_BYTES], data[MAX_BODY_BYTES:]
    if head.endswith(b"\r") and rest.startswith(b"\n"):
        rest = rest[1:]  # the cut fell inside a CRLF: no content is lost there
    if not rest:
        return None
    # The line holding the first byte after the cut: partly read lines count as lost.
    return len(_LINE_BREAK.findall(head)) + 1


def _crawl_delay(value: bytes) -> float | None:
    try:
        delay = float(value.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return None
    return delay if math.isfinite(delay) and delay >= 0 else None


class _Parser:
    """Feeds lines into a RobotsTxt, grouping them as robots.cc does: user-agent lines
    accumulate until an allow/disallow line; the next user-agent line starts a new group.
    Nothing else (blank lines, comments, sitemap, unknown lines) ends a group."""

    def __init__(self, robots: RobotsTxt) -> None:
        self.robots = robots
        self.group: _Group | None = None
        self.in_rules = False
        self.html = False

    def feed(self, data: bytes) -> None:
        number = 0
        for number, line in enumerate(_LINE_BREAK.split(data), start=1):
            if len(line) > MAX_LINE_BYTES:
                # robots.cc drops the bytes past the limit; what is left still counts.
                self.problem(number, "line-too-long", line)
                line = line[:MAX_LINE_BYTES]
            self.line(number, line)
        self.robots.lines = number
        if self.html:  # in an HTML page every markup line is "invalid": keep the signal
            noise = ("invalid-line", "unknown-directive")
            self.robots.problems = [p for p in self.robots.problems if p.kind not in noise]

    def line(self, number: int, line: bytes) -> None:
        # robots.cc works on C strings, so a NUL ends the line; "#" starts a comment.
        content = line.split(b"\0", 1)[0].split(b"#", 1)[0].strip(_ASCII_WS)
        if not content:
            return
        if not self.html and _HTML_LINE.match(content):
            self.html = True
            self.problem(number, "looks-like-html", line)
        pair = _key_value(content)
        if pair is None:
            self.problem(number, "invalid-line", line)
            return
        key, value = pair
        kind = _key_kind(key)
        if kind == "user-agent":
            self.user_agent(value)
        elif kind in ("allow", "disallow"):
            self.rule(number, line, kind == "allow", value)
        elif kind == "sitemap":
            self.sitemap(number, line, value)
        else:
            self.other(number, line, key, value)

    def user_agent(self, value: bytes) -> None:
        if self.group is None or self.in_rules:
            self.group, self.in_rules = _Group(), False
        token = _agent_token(value)
        if token:
            groups = self.robots._groups.setdefault(token, [])
            if not groups or groups[-1] is not self.group:
                groups.append(self.group)

    def rule(self, number: int, line: bytes, allow: bool, value: bytes) -> None:
        if self.group is None:
            # RFC 9309 2.2.1: rules before the first user-agent line belong to no group.
            self.problem(number, "rule-outside-group", line)
            return
        self.in_rules = True
        if value and not value.startswith((b"/", b"*")):
            self.problem(number, "invalid-path", line)
        escaped = _google_escape(value)
        raw = _display(line.strip(_ASCII_WS))
        rule = Rule(allow, _display(value), number, raw, len(escaped))
        self.group.rules.append((rule, escaped))

    def sitemap(self, number: int, line: bytes, value: bytes) -> None:
        if value:
            self.robots.sitemaps.append((number, _url_text(value)))
        if not value.lower().startswith((b"http://", b"https://")):
            self.problem(number, "invalid-sitemap", line)

    def other(self, number: int, line: bytes, key: bytes, value: bytes) -> None:
        name = _display(key.lower(), 60)
        if name not in UNSUPPORTED_DIRECTIVES:
            self.problem(number, "unknown-directive", line, name)
            return
        self.problem(number, "unsupported-directive", line, name)
        if name == "crawl-delay" and self.group is not None and self.group.delay is None:
            self.group.delay = _crawl_delay(value)

    def problem(
        self, number: int, kind: ProblemKind, line: bytes, directive: str | None = None
    ) -> None:
        robots = self.robots
        if self.html and kind in ("invalid-line", "unknown-directive"):
            return
        if len(robots.problems) >= MAX_PROBLEMS:
            robots.problems_dropped += 1
            return
        text = _display(line.strip(_ASCII_WS), 200)
        robots.problems.append(LineProblem(number, kind, text, directive))


# ---------------------------------------------------------------------------------------
# Tokens and the convenience entry point
# ---------------------------------------------------------------------------------------

_BARE_TOKEN = re.compile(r"[A-Za-z_-]+")
_KNOWN = re.compile(
    r"(?<![A-Za-z0-9_-])(" + "|".join(map(re.escape, KNOWN_TOKENS)) + r")(?![A-Za-z0-9_-])",
    re.IGNORECASE,
)
_COMPATIBLE = re.compile(r"compatible;\s*([A-Za-z_-]+)", re.IGNORECASE)
_BOT_WORD = re.compile(r"(?<![A-Za-z0-9_-])([A-Za-z_-]*(?:bot|crawler|spider)[A-Za-z_-]*)", re.I)
_LEADING = re.compile(r"[A-Za-z_-]*")


@lru_cache(maxsize=1024)
def product_token(user_agent: str) -> str:
    """The lower-cased robots.txt product token of a crawler name or a full User-Agent
    header: a known crawler named anywhere in it, else the name after "compatible;",
    else a product whose name says bot/crawler/spider, else the leading [A-Za-z_-] run
    (RFC 9309 2.2.1), so "Foo Bar" gives "foo"."""
    text = user_agent.strip()[:2000]
    if _BARE_TOKEN.fullmatch(text):
        return text.lower()
    for pattern in (_KNOWN, _COMPATIBLE, _BOT_WORD):
        found = pattern.search(text)
        if found:
            return found[1].lower()
    return _LEADING.match(text)[0].lower()  # type: ignore[index]  # "*" always matches


@lru_cache(maxsize=16)
def _parse_cached(body: str | bytes) -> RobotsTxt:
    return RobotsTxt.parse(body)


def is_allowed(robots_txt: str | bytes, user_agent: str, url: str) -> bool:
    """May ``user_agent`` (a token or a full User-Agent header) fetch ``url``?"""
    return _parse_cached(robots_txt).decide(user_agent, url).allowed


# ---------------------------------------------------------------------------------------
# Fetch outcomes (reference/robots.md "Fetch-level behaviour"; RFC 9309 2.3.1)
# ---------------------------------------------------------------------------------------

Outcome = Literal["parsed", "allow-all", "disallow-all"]


@dataclass(frozen=True)
class RobotsFile:
    """What one robots.txt fetch means for its host."""

    outcome: Outcome
    reason: str
    status: int | None
    robots: RobotsTxt | None
    url: str  # the robots.txt URL

    def crawler_rules(self, token: str) -> frozenset[tuple[bool, str]]:
        """What this fetch means for ``token``'s crawler as a set of rules
        (``RobotsTxt.crawler_rules``): no rules when everything is allowed, "Disallow: /"
        when nothing is. Equal sets mean equal verdicts on every URL."""
        if self.robots is not None:
            return self.robots.crawler_rules(token)
        return frozenset() if self.outcome == "allow-all" else frozenset({(False, "/")})

    def verdict(self, token: str, url: str) -> RobotsVerdict:
        agent = product_token(token)
        if _is_robots_txt(match_path(url)):
            reason = "robots.txt itself is always allowed (RFC 9309 2.2.2)"
            return RobotsVerdict(allowed=True, agent=agent, robots_url=self.url, reason=reason)
        if self.robots is None:
            allowed = self.outcome == "allow-all"
            return RobotsVerdict(
                allowed=allowed, agent=agent, robots_url=self.url, reason=self.reason
            )
        decision = self.robots.decide_for_crawler(agent, url)
        rule = decision.rule
        return RobotsVerdict(
            allowed=decision.allowed,
            agent=agent,
            line=rule.line if rule else None,
            rule=rule.raw if rule else None,
            robots_url=self.url,
            reason=_explain(decision, agent),
        )


def _explain(decision: Decision, agent: str) -> str:
    group = "the * group" if decision.group == "*" else f"the group for {decision.group}"
    rule = decision.rule
    if rule is not None:
        verb = "allowed" if decision.allowed else "disallowed"
        return f"{verb} by line {rule.line} ({rule.raw}) of {group}"
    if decision.group:
        return f"allowed: no rule of {group} matches"
    return f"allowed: no group applies to {agent or 'this crawler'}"


def interpret_fetch(
    url: str,
    status: int | None,
    body: bytes,
    *,
    error: str | None = None,
    redirects: int = 0,
    content_type: str | None = None,
) -> RobotsFile:
    """The meaning of one robots.txt fetch, as Google reads it. ``status`` is the final
    status after ``redirects`` hops; ``error`` a network error (timeout, DNS, reset...)."""
    if redirects > MAX_REDIRECTS:
        reason = (
            f"robots.txt redirected {redirects} times (more than {MAX_REDIRECTS}): Google "
            "stops, treats it as a 404 and allows every URL"
        )
        return RobotsFile("allow-all", reason, status, None, url)
    if error is not None or status is None:
        reason = (
            f"robots.txt could not be fetched ({error or 'no response'}): "
            "Google assumes every URL is disallowed"
        )
        return RobotsFile("disallow-all", reason, status, None, url)
    if 200 <= status < 300:
        return _parsed(url, status, body, content_type)
    return RobotsFile(*_status_outcome(status), status, None, url)


_ALLOW_ALL = "Google treats it as a 404 (no robots.txt) and allows every URL"
_DISALLOW_ALL = "Google assumes every URL is disallowed"


def _status_outcome(status: int) -> tuple[Outcome, str]:
    said = f"robots.txt answered {status}"
    if status == 429:
        return "disallow-all", f"{said}: Google treats 429 like a server error; {_DISALLOW_ALL}"
    if 300 <= status < 400:
        return "allow-all", f"{said} with no redirect to follow: {_ALLOW_ALL}"
    if status in (401, 403):
        return "allow-all", f"{said}: like every 4xx but 429, {_ALLOW_ALL}"
    if 400 <= status < 500:
        return "allow-all", f"{said}: {_ALLOW_ALL}"
    if 500 <= status < 600:
        return "disallow-all", f"{said}: {_DISALLOW_ALL}"
    return "disallow-all", f"{said}, not a valid status: treated as a server error; {_DISALLOW_ALL}"


def _parsed(url: str, status: int, body: bytes, content_type: str | None) -> RobotsFile:
    robots = RobotsTxt.parse(body)
    notes = [
        f"robots.txt answered {status}: its rules apply"
    ]  # to every crawler, not Google's only
    html = any(p.kind == "looks-like-html" for p in robots.problems)
    if content_type and "html" in content_type.lower():
        if not html:
            robots.problems.insert(
                0, LineProblem(1, "looks-like-html", f"Content-Type: {content_type}"[:200])
            )
        html = True
    if html:
        notes.append("the body is HTML, so only the lines that look like rules count")
    if robots.truncated:
        lost = (
            f"from line {robots.first_lost_line} on"
            if robots.first_lost_line
            else "after the limit"
        )
        notes.append(f"it is larger than 500 KiB, so Google ignores everything {lost}")
    return RobotsFile("parsed", "; ".join(notes), status, robots, url)
