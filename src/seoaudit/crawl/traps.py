"""Crawl traps: URL spaces that never end, recognised before they eat the crawl.

A calendar with an endless "next month" link, a session id in every link, filters whose
combinations multiply, relative links that repeat path segments forever: a crawler that
follows them fetches junk until --max-pages and misses the real site. Googlebot wastes crawl
budget on the same traps (Google Search Central, "Crawl budget management": infinite spaces).

The guard looks at each newly discovered URL and says whether to skip it and why. Skips are
counted per reason and site section, with examples, so the report can say "URL space looks
endless under /calendar/: 4,211 URLs skipped". Skipped URLs are recorded, never fetched.

Policy, each bound configurable in CrawlSettings:
- ``url-too-long``: longer than ``max_url_length`` (browsers and Google handle ~2,000).
- ``repeating-path-segments``: a path segment that appears 3 or more times (/a/b/a/b/a/).
- ``session-id``: a URL that differs from one already seen only by a session parameter
  (sid, sessionid, jsessionid, phpsessid...). The first variant is crawled.
- ``parameter-explosion``: filters and facets multiplying on one path, counted two ways.
  Names: more than ``max_query_variants`` different combinations of parameter names; from
  then on, every URL of that path with more than one parameter is skipped too. Values: more
  than ``max_filter_combinations`` URLs that only recombine values already seen on that path
  (``?color=red&size=m`` after ``?color=red&size=s`` and ``?color=blue&size=m``); from then
  on, such recombinations are skipped. Page numbers and offsets are left out of the
  combinations (a category's page 7 is a series, not a filter). Any number of values for
  one parameter (a catalogue at ``product?id=N``), or a new value in every URL
  (``index.php?route=product&product_id=N``), is fine.
- ``parameter-order``: the same parameters and values as two URLs already seen, in a third
  order (``?a=1&b=2``, ``?b=2&a=1``, ...): n parameters have n! orders, each a new URL to
  a crawler. Two orders are crawled, so the duplicate stays visible.
- ``endless-pattern``: a URL whose shape (digits replaced by {n}) was first seen many links
  shallower (more than ``trap_depth_spread`` levels): each page links one step further, as
  "next month" links do. Real listings are reached within a few clicks of their first page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

from seoaudit.crawl.urls import PAGE_PARAMETER_NAMES

SESSION_PARAMS = frozenset(
    {"sid", "sessionid", "session_id", "jsessionid", "phpsessid", "sessid", "aspsessionid", "s"}
)
_DIGITS = re.compile(r"\d+")
_MATRIX_SESSION = re.compile(r";jsessionid=[^/?#]*", re.IGNORECASE)
MAX_EXAMPLES = 3
MAX_ORDERS = 2  # orders of one set of parameters and values crawled (parameter-order)
# Parameters that number a series, left out of filter combinations.
_SERIES_PARAMS = PAGE_PARAMETER_NAMES | {"start", "offset"}


@dataclass
class TrapRecord:
    reason: str
    section: str  # first path segment, e.g. "/calendar/"
    count: int = 0
    examples: list[str] = field(default_factory=list)


class TrapGuard:
    def __init__(
        self,
        max_url_length: int,
        max_query_variants: int,
        depth_spread: int,
        max_filter_combinations: int = 500,
    ) -> None:
        self.max_url_length = max_url_length
        self.max_query_variants = max_query_variants
        self.max_filter_combinations = max_filter_combinations
        self.depth_spread = depth_spread
        self._queries: dict[str, set[frozenset[str]]] = {}  # path -> parameter-name sets
        # Per path: hashes of the (name, value) pairs seen, of the sorted filter
        # combinations seen, and the number of recombinations met.
        self._pairs: dict[str, set[int]] = {}
        self._combinations: dict[str, set[int]] = {}
        self._recombined: dict[str, int] = {}
        self._orders: dict[int, int] = {}  # hash of path and sorted pairs -> orders crawled
        self._pattern_depth: dict[str, int] = {}  # URL shape -> shallowest depth seen
        self._session_keys: set[str] = set()
        self.records: dict[tuple[str, str], TrapRecord] = {}

    def check(self, url: str, depth: int) -> str | None:
        """The reason to skip ``url`` (found ``depth`` links from the start), or None."""
        reason = self._reason(url, depth)
        if reason is not None:
            self._record(reason, url)
        return reason

    def _reason(self, url: str, depth: int) -> str | None:
        if len(url) > self.max_url_length:
            return "url-too-long"
        split = urlsplit(url)
        segments = [s for s in split.path.split("/") if s]
        if segments and max(segments.count(s) for s in set(segments)) >= 3:
            return "repeating-path-segments"
        if self._session_variant(split):
            return "session-id"
        if split.query:
            reason = self._query_reason(f"{split.netloc}{split.path}", split.query)
            if reason is not None:
                return reason
        pattern = _DIGITS.sub("{n}", f"{split.netloc}{split.path}?{split.query}")
        first = self._pattern_depth.setdefault(pattern, depth)
        if depth < first:
            self._pattern_depth[pattern] = depth
        elif depth - first > self.depth_spread:
            return "endless-pattern"
        return None

    def _query_reason(self, path: str, query: str) -> str | None:
        pairs = parse_qsl(query, keep_blank_values=True)
        # A catalogue on one path (product?id=N) has one combination of parameter names
        # and any number of values; facets and filters multiply the combinations.
        # Once a path explodes, its multi-parameter URLs stop: values multiply too.
        names = frozenset(k for k, _ in pairs)
        combos = self._queries.setdefault(path, set())
        exploding = len(combos) >= self.max_query_variants
        if exploding and (names not in combos or len(names) > 1):
            return "parameter-explosion"
        combos.add(names)
        if len(pairs) < 2:
            return None
        ordered = hash((path, tuple(sorted(pairs))))
        orders = self._orders.get(ordered)
        if orders is not None:  # the URL is new, so this is another order
            if orders >= MAX_ORDERS:
                return "parameter-order"
            self._orders[ordered] = orders + 1
            return None
        reason = self._filter_reason(path, pairs)
        if reason is None:  # a skipped URL's other orders are skipped as it was
            self._orders[ordered] = 1
        return reason

    def _filter_reason(self, path: str, pairs: list[tuple[str, str]]) -> str | None:
        """parameter-explosion when ``pairs`` only recombine values seen on the path."""
        filters = sorted((k, v) for k, v in pairs if k.lower() not in _SERIES_PARAMS)
        if len(filters) < 2:
            return None
        combinations = self._combinations.setdefault(path, set())
        combination = hash(tuple(filters))
        if combination in combinations:  # the same filters on another page of a series
            return None
        seen_pairs = self._pairs.setdefault(path, set())
        hashes = [hash(pair) for pair in filters]
        if all(h in seen_pairs for h in hashes):
            recombined = self._recombined.get(path, 0)
            if recombined >= self.max_filter_combinations:
                return "parameter-explosion"
            self._recombined[path] = recombined + 1
        seen_pairs.update(hashes)
        combinations.add(combination)
        return None

    def _session_variant(self, split: SplitResult) -> bool:
        """True when the URL carries a session id and its session-free form was seen."""
        query = parse_qsl(split.query, keep_blank_values=True)
        has_param = any(k.lower() in SESSION_PARAMS for k, _ in query)
        has_matrix = ";jsessionid=" in split.path.lower()
        if not (has_param or has_matrix):
            return False
        kept = [(k, v) for k, v in query if k.lower() not in SESSION_PARAMS]
        path = _MATRIX_SESSION.sub("", split.path)
        key = urlunsplit(("", split.netloc, path, urlencode(kept), ""))
        if key in self._session_keys:
            return True
        self._session_keys.add(key)
        return False

    def _record(self, reason: str, url: str) -> None:
        path = urlsplit(url).path
        first = path.split("/")[1] if path.count("/") >= 1 else ""
        section = f"/{first}/" if first and path.count("/") > 1 else "/"
        record = self.records.get((reason, section))
        if record is None:
            record = self.records[(reason, section)] = TrapRecord(reason, section)
        record.count += 1
        if len(record.examples) < MAX_EXAMPLES:
            record.examples.append(url[:300])
