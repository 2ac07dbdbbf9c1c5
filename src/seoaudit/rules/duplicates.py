"""Duplicate content (DUP, CAN018): indexable pages that say the same thing at several URLs.

Owns: ``duplicate_index``, built once per run from ``site.summaries()``: which indexable
HTML pages share their text exactly (same ``fingerprint``) or nearly (``simhash`` within
``Thresholds.near_duplicate_bits`` bits), and which of those are mere URL variants of one
another (http/https, www, trailing slash, letter case, index file, parameters). Variants
are one issue per variant pattern (CAN018); other duplicates are one issue per group
(DUP001 exact, DUP002 near).

Only indexable pages are compared: a page that is noindex, or canonicalised to another
URL, already tells Google which URL to keep (print versions, parameter variants with a
canonical are fine).

Near duplicates are found without comparing every pair: with at most k differing bits,
splitting the 64 bits into k + 1 bands guarantees that two near duplicates agree exactly
on at least one band (pigeonhole), so only pages sharing a band value are compared
(Manku, Jain, Das Sarma, "Detecting near-duplicates for web crawling", WWW 2007).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import numpy.typing as npt

from seoaudit.persite import per_site
from seoaudit.rules.registry import Hit, rule
from seoaudit.rules.status_codes import soft_404s

if TYPE_CHECKING:
    from seoaudit.site import Site
    from seoaudit.summary import PageSummary

MAX_BANDS = 16  # near_duplicate_bits above 15 would make the bands too coarse to help
MAX_COMPARISONS = 50_000_000  # pair comparisons per run; beyond this, big buckets are skipped
MAX_LISTED = 20  # URLs quoted in one finding's evidence
_INDEX_FILE = re.compile(r"/(?:index|default)\.(?:html?|php|aspx?|jsp)$", re.IGNORECASE)


# -- URL variants -----------------------------------------------------------------------


def variant_key(url: str) -> str:
    """What stays when the usual URL variants are ignored: scheme, ``www.``, letter case,
    a trailing slash, an index file and the query. Two duplicate pages with one key are
    variants of one URL."""
    split = urlsplit(url)
    host = split.netloc.lower().removeprefix("www.")
    path = _INDEX_FILE.sub("/", split.path).lower().rstrip("/")
    return host + path


def variant_pattern(a: str, b: str) -> list[str]:
    """How URL ``b`` differs from its variant ``a``, in the words of the fix."""
    sa, sb = urlsplit(a), urlsplit(b)
    found: list[str] = []
    if sa.scheme != sb.scheme:
        found.append("http/https")
    if sa.netloc.lower() != sb.netloc.lower():
        found.append("www/non-www")
    pa, pb = sa.path, sb.path
    if bool(_INDEX_FILE.search(pa)) != bool(_INDEX_FILE.search(pb)):
        found.append("index file")
    pa, pb = _INDEX_FILE.sub("/", pa), _INDEX_FILE.sub("/", pb)
    if pa != pb and pa.rstrip("/") != pb.rstrip("/") and pa.lower() == pb.lower():
        found.append("letter case")
    elif pa != pb and (pa.endswith("/") != pb.endswith("/")):
        found.append("trailing slash")
        if pa.rstrip("/") != pb.rstrip("/"):
            found.append("letter case")
    if sa.query != sb.query:
        qa = dict(parse_qsl(sa.query, keep_blank_values=True))
        qb = dict(parse_qsl(sb.query, keep_blank_values=True))
        names = sorted(k for k in qa.keys() | qb.keys() if qa.get(k) != qb.get(k))
        found.append(f"parameters ({', '.join(names[:5]) or 'order'})")
    return found


# -- the index ------------------------------------------------------------------------


@dataclass
class Variant:
    url: str
    main: str  # the variant kept: most linked, then https, no query, shortest
    pattern: list[str]
    exact: bool


@dataclass
class Duplicate:
    url: str
    # Names the group in the findings' cause (so in their baseline fingerprints and the
    # issue id): from the text the group shares, not from a URL of the group, so that a
    # page joining or leaving the group does not rename it for every other page
    # (``group_name``).
    group: str
    others: list[str]
    exact: bool
    distance: int = 0  # bits to the nearest other page (near duplicates)


GROUP_NAME_DIGITS = 12  # hex digits of a group's name: 48 bits, no clash within a site


def group_name(members: list[PageSummary], exact: bool) -> str:
    """A duplicate group's name. Exact duplicates share their text fingerprint: the group
    is named by it, whoever joins or leaves. Near duplicates share no one value; the
    group is named by the bitwise majority of its members' simhashes (ties give 0), which
    one page more or fewer rarely changes in a group of several. Either changes when the
    text of the whole group changes (a template's text): the group is then another one
    by the rule's own measure."""
    if exact:
        return (members[0].fingerprint or "")[:GROUP_NAME_DIGITS]
    hashes = [int(s.simhash) for s in members if s.simhash is not None]
    majority = 0
    for bit in range(64):
        if 2 * sum((h >> bit) & 1 for h in hashes) > len(hashes):
            majority |= 1 << bit
    return f"{majority:016x}"[:GROUP_NAME_DIGITS]


@dataclass
class DuplicateIndex:
    variants: list[Variant] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    duplicated: set[str] = field(default_factory=set)  # every URL in any group
    skipped_buckets: int = 0  # near-duplicate buckets left out by MAX_COMPARISONS


@per_site
def duplicate_index(site: Site) -> DuplicateIndex:
    """Exact, near and URL-variant duplicates among the run's indexable HTML pages."""
    return _build(site)


def _comparable(s: PageSummary) -> bool:
    return s.status == 200 and s.is_html and s.indexability == "indexable" and bool(s.fingerprint)


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _near_links(hashes: list[int], bits: int, index: DuplicateIndex) -> Iterator[tuple[int, int]]:
    """Index pairs to join so that simhashes within ``bits`` bits end up in one group.

    Candidates share one of ``bits + 1`` bands (LSH). Inside a bucket, the comparisons run
    in numpy and the groups are merged there too (labels), so a bucket of thousands of
    near-identical pages yields one link per page, not one per pair."""
    if len(hashes) < 2:
        return
    values = np.array(hashes, dtype=np.uint64)
    bands = min(max(bits, 0) + 1, MAX_BANDS)
    edges = [round(64 * i / bands) for i in range(bands + 1)]
    budget = MAX_COMPARISONS
    for lo, hi in itertools.pairwise(edges):
        mask = np.uint64((1 << (hi - lo)) - 1)
        keys = (values >> np.uint64(lo)) & mask
        order = np.argsort(keys, kind="stable")
        starts = np.flatnonzero(np.diff(keys[order])) + 1
        for bucket in np.split(order, starts):
            m = len(bucket)
            if m < 2:
                continue
            cost = m * (m - 1) // 2
            if cost > budget:
                index.skipped_buckets += 1
                continue
            budget -= cost
            yield from _bucket_links(bucket, values[bucket], bits)


def _bucket_links(
    bucket: npt.NDArray[np.intp], members: npt.NDArray[np.uint64], bits: int
) -> Iterator[tuple[int, int]]:
    label = np.arange(len(bucket))
    for i in range(len(bucket) - 1):
        close = np.flatnonzero(np.bitwise_count(members[i + 1 :] ^ members[i]) <= bits) + i + 1
        if close.size:
            joined = np.unique(np.append(label[close], label[i]))
            if joined.size > 1:
                label[np.isin(label, joined)] = joined[0]
    for i in np.flatnonzero(label != np.arange(len(bucket))).tolist():
        yield int(bucket[label[i]]), int(bucket[i])


def _main_variant(urls: list[str], site: Site) -> str:
    def preference(url: str) -> tuple[int, bool, bool, bool, int, str]:
        split = urlsplit(url)
        return (
            -site.inlink_count(url),
            split.scheme != "https",
            bool(split.query),
            split.path != split.path.lower(),
            len(url),
            url,
        )

    return min(urls, key=preference)


def _build(site: Site) -> DuplicateIndex:
    index = DuplicateIndex()
    soft = soft_404s(site)  # a catch-all "not found" page is HTTP005's, not a duplicate
    pages = [s for s in site.summaries() if _comparable(s) and s.url not in soft]
    by_fp: dict[str, list[PageSummary]] = {}
    for s in pages:
        by_fp.setdefault(s.fingerprint or "", []).append(s)
    fps = list(by_fp)
    simhash = {fp: by_fp[fp][0].simhash for fp in fps}
    with_hash = [i for i, fp in enumerate(fps) if simhash[fp] is not None]
    groups = _UnionFind(len(fps))
    bits = site.thresholds.near_duplicate_bits
    hashes = [int(simhash[fps[i]] or 0) for i in with_hash]
    for a, b in _near_links(hashes, bits, index):
        groups.union(with_hash[a], with_hash[b])
    components: dict[int, list[str]] = {}
    for i, fp in enumerate(fps):
        components.setdefault(groups.find(i), []).append(fp)
    for members_fps in components.values():
        members = [s for fp in members_fps for s in by_fp[fp]]
        if len(members) >= 2:
            _judge(members, site, index)
    index.variants.sort(key=lambda v: v.url)
    index.duplicates.sort(key=lambda d: d.url)
    return index


def _partitions(members: list[PageSummary]) -> list[list[PageSummary]]:
    """Split a duplicate group into variants of one URL. Pages with one ``variant_key``
    are variants when their text is identical, or when only their text differs slightly
    but not their query: near-identical pages at ``?page=2`` and ``?page=3`` are two
    pages of a series, not two variants of one."""
    by_key: dict[str, list[PageSummary]] = {}
    for s in members:
        by_key.setdefault(variant_key(s.url), []).append(s)
    parts: list[list[PageSummary]] = []
    for same_key in by_key.values():
        links = _UnionFind(len(same_key))
        first: dict[tuple[str, str | None], int] = {}
        for i, s in enumerate(same_key):
            for key in (("text", s.fingerprint), ("query", urlsplit(s.url).query)):
                links.union(first.setdefault(key, i), i)
        grouped: dict[int, list[PageSummary]] = {}
        for i, s in enumerate(same_key):
            grouped.setdefault(links.find(i), []).append(s)
        parts.extend(grouped.values())
    return parts


def _judge(members: list[PageSummary], site: Site, index: DuplicateIndex) -> None:
    """One group of pages with the same or nearly the same text."""
    index.duplicated.update(s.url for s in members)
    mains: list[PageSummary] = []
    for part in _partitions(members):
        main_url = _main_variant([s.url for s in part], site)
        main = next(s for s in part if s.url == main_url)
        mains.append(main)
        for s in part:
            if s.url != main_url:
                index.variants.append(
                    Variant(
                        s.url,
                        main_url,
                        variant_pattern(main_url, s.url),
                        s.fingerprint == main.fingerprint,
                    )
                )
    if len(mains) < 2:
        return
    mains.sort(key=lambda s: s.url)
    group = group_name(mains, exact=False)
    by_fp: dict[str | None, list[str]] = {}
    for s in mains:
        by_fp.setdefault(s.fingerprint, []).append(s.url)
    for s in mains:
        twins = [u for u in by_fp[s.fingerprint] if u != s.url]
        if twins:
            index.duplicates.append(Duplicate(s.url, group_name([s], exact=True), twins, True))
            continue
        others = [o for o in mains if o.url != s.url and o.simhash is not None]
        near = sorted(
            others, key=lambda o: ((int(o.simhash or 0) ^ int(s.simhash or 0)).bit_count(), o.url)
        )
        distance = (int(near[0].simhash or 0) ^ int(s.simhash or 0)).bit_count() if near else 0
        index.duplicates.append(
            Duplicate(s.url, group, [o.url for o in near[:MAX_LISTED]], False, distance)
        )


# -- rules ------------------------------------------------------------------------------


@rule(
    "DUP001",
    "exact-duplicate-content",
    severity="warning",
    scope="site",
    group="{count} indexable pages have exactly the same text ({cause})",
)
def exact_duplicate_content(site: Site) -> Iterator[Hit]:
    """Indexable pages whose visible text is identical, at unrelated URLs.

    ## What it does
    Compares the text fingerprint of every indexable HTML page (answering 200, not
    noindex, not canonicalised elsewhere) and flags pages sharing it. URL variants of one
    address (http/https, www, trailing slash, case, index file, parameters) are CAN018's
    business; what is left are different URLs serving the same page. Pages of one group
    form one issue, named by the fingerprint of the text they share (not by one of its
    URLs, so a page joining or leaving the group does not rename it; a change of the
    shared text does).

    ## Why it matters
    Google picks one URL of the group to index and crawls the others less; links and
    signals are split between them, and the URL shown in search may not be the one you
    want.

    ## How to fix
    Keep one URL: 301-redirect the others to it, or give the duplicates a
    `<link rel="canonical">` to it. If the pages should differ, give each its own content.

    ## How to verify
    `curl -s <url> | md5sum` and the same for `<duplicate>` differ, or each duplicate's
    canonical points at the kept URL; a new audit no longer lists the group.

    ## Source
    Google Search Central: "What is canonicalization"; "How to specify a canonical URL
    with rel=canonical and other methods".
    """
    for d in duplicate_index(site).duplicates:
        if d.exact:
            yield Hit(
                d.url,
                f"Same text as {len(d.others)} other indexable page(s), e.g. {d.others[0]}",
                {"duplicates": d.others[:MAX_LISTED], "count": len(d.others)},
                cause=f"text fingerprint {d.group}",
            )


@rule(
    "DUP002",
    "near-duplicate-content",
    severity="notice",
    scope="site",
    group="{count} indexable pages are near duplicates ({cause})",
)
def near_duplicate_content(site: Site) -> Iterator[Hit]:
    """Indexable pages whose visible text is nearly identical (simhash).

    ## What it does
    Compares the 64-bit simhash of every indexable HTML page's visible text and groups
    pages that differ in at most `near_duplicate_bits` bits (default 3, the threshold of
    Manku et al.'s evaluation; configurable under `[thresholds]`). Exact duplicates and
    URL variants are reported by DUP001 and CAN018. Pages of one group form one issue,
    named by the bitwise majority of their simhashes (which one page more or fewer rarely
    changes in a group of several; a change of the text they share can).
    A notice: the similarity is a heuristic over the whole visible text, navigation
    included, so short pages on a heavy template can look alike.

    ## Why it matters
    Google clusters near-identical pages and indexes one of them; the others compete with
    it, waste crawl budget and may be seen as low value (thin product variants, location
    pages that only change a city name).

    ## How to fix
    Merge the pages (redirect the others to one), canonicalise the variants to the main
    page, or make each page substantially different.

    ## How to verify
    Compare the pages' main text side by side; after the fix a new audit no longer groups
    them.

    ## Source
    Google Search Central: "What is canonicalization" (duplicate clusters); Manku, Jain,
    Das Sarma, "Detecting near-duplicates for web crawling" (WWW 2007).
    """
    for d in duplicate_index(site).duplicates:
        if not d.exact:
            yield Hit(
                d.url,
                f"Nearly the same text as {d.others[0]} ({d.distance} of 64 bits differ)",
                {
                    "similar": d.others[:MAX_LISTED],
                    "distance_bits": d.distance,
                    "threshold_bits": site.thresholds.near_duplicate_bits,
                },
                cause=f"text simhash {d.group}",
            )


@rule(
    "CAN018",
    "duplicate-url-variants",
    severity="warning",
    scope="site",
    group="{count} URL variants serve the same page ({cause})",
)
def duplicate_url_variants(site: Site) -> Iterator[Hit]:
    """Variants of one URL (http/https, www, trailing slash, case, parameters) all serve
    the page.

    ## What it does
    Among indexable pages with the same (or nearly the same) text, finds URLs that differ
    only by scheme, `www.`, a trailing slash, letter case, an index file
    (`/index.html`) or query parameters, where no redirect or canonical picks one. The
    most linked variant is taken as the main one; every other variant is flagged, and all
    variants of one pattern form one issue (one rewrite rule fixes them). Variants that
    redirect, or canonicalise to the main URL, are fine and not flagged.

    ## Why it matters
    Every variant is a separate URL to Google: signals are split, crawl is wasted on
    copies, and Google may show a variant you did not choose.

    ## How to fix
    301-redirect every variant to one form (https, one host, one slash convention,
    lower-case), and give the main URL a self-referencing canonical. For parameters that
    do not change the content, canonicalise to the URL without them.

    ## How to verify
    `curl -sI <url>` answers 301 with `Location: <main URL>` (or the variant's
    canonical names the main URL).

    ## Source
    Google Search Central: "What is canonicalization"; "Redirects and Google Search";
    "How to specify a canonical URL with rel=canonical and other methods".
    """
    for v in duplicate_index(site).variants:
        pattern = ", ".join(v.pattern) or "URL form"
        yield Hit(
            v.url,
            f"Serves the same page as {v.main} (variant: {pattern})",
            {"main_url": v.main, "variant": v.pattern, "identical_text": v.exact},
            cause=f"URL variants: {pattern}",
        )
