"""Crawler access: which crawlers may reach which parts of a site, and which blocks are
intended.

Owns: the crawlers the audit reports on and what each is for (search, AI search, AI
training, user-triggered fetcher; rules-kb.md 1.7), the declared crawler policy
(``Settings.crawler_policy``), site sections, the access matrix (robots.txt verdicts per
section and crawler, with what the server answered to each user agent), and the
comparison of the post-crawl user-agent probe (crawl/probe.py) with its browser baseline.

Pure: reads a Site, never fetches, never prints. BOT and ROB rules and the reports read it,
so a verdict shown in the matrix and one quoted in a finding come from the same code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from seoaudit.crawl.urls import origin
from seoaudit.models import AccessMatrix, AccessRow, AccessVerdict, Severity
from seoaudit.persite import per_site
from seoaudit.robots import RobotsFile

if TYPE_CHECKING:
    from seoaudit.site import RobotsOutcome, Site

CrawlerKind = Literal["search", "ai-search", "ai-training", "user-fetcher"]


@dataclass(frozen=True)
class KnownCrawler:
    token: str  # robots.txt product token, lower-case
    label: str  # as operators write it
    kind: CrawlerKind
    short: str  # column header in the terminal


KNOWN_CRAWLERS: dict[str, KnownCrawler] = {
    c.token: c
    for c in (
        KnownCrawler("googlebot", "Googlebot", "search", "Google"),
        KnownCrawler("googlebot-image", "Googlebot-Image", "search", "G-Img"),
        KnownCrawler("bingbot", "Bingbot", "search", "Bing"),
        # Applebot powers Spotlight, Siri and Safari suggestions; it falls back to the
        # Googlebot group when none names it (robots.CRAWLERS).
        KnownCrawler("applebot", "Applebot", "ai-search", "Apple"),
        KnownCrawler("oai-searchbot", "OAI-SearchBot", "ai-search", "OAI-S"),
        KnownCrawler("perplexitybot", "PerplexityBot", "ai-search", "Perplx"),
        KnownCrawler("claude-searchbot", "Claude-SearchBot", "ai-search", "Cl-S"),
        KnownCrawler("meta-webindexer", "meta-webindexer", "ai-search", "Meta-W"),
        KnownCrawler("amazonbot", "Amazonbot", "ai-search", "Amazon"),
        KnownCrawler("gptbot", "GPTBot", "ai-training", "GPTBot"),
        KnownCrawler("claudebot", "ClaudeBot", "ai-training", "Claude"),
        KnownCrawler("ccbot", "CCBot", "ai-training", "CCBot"),
        KnownCrawler("google-extended", "Google-Extended", "ai-training", "G-Ext"),
        KnownCrawler("applebot-extended", "Applebot-Extended", "ai-training", "A-Ext"),
        KnownCrawler("meta-externalagent", "meta-externalagent", "ai-training", "Meta-A"),
        KnownCrawler("bytespider", "Bytespider", "ai-training", "Bytesp"),
        KnownCrawler("chatgpt-user", "ChatGPT-User", "user-fetcher", "ChGPT"),
        KnownCrawler("perplexity-user", "Perplexity-User", "user-fetcher", "Perplx-U"),
        KnownCrawler("meta-externalfetcher", "meta-externalfetcher", "user-fetcher", "Meta-F"),
    )
}
# The columns of the access matrix, in order.
MATRIX_TOKENS: tuple[str, ...] = (
    "googlebot",
    "googlebot-image",
    "bingbot",
    "applebot",
    "gptbot",
    "oai-searchbot",
    "chatgpt-user",
    "claudebot",
    "perplexitybot",
    "google-extended",
    "applebot-extended",
    "ccbot",
)
SEARCH_ENGINES: tuple[str, ...] = ("googlebot", "bingbot")  # a block is an error (ROB007)

MATRIX_SAMPLE = 200  # URLs per section whose verdicts are computed
PROBED_SECTIONS = 20  # sections the user-agent probe samples (crawl/probe.py), first found
MAX_ROWS = 40  # sections shown, largest first
_KNOWN_STATES = ("done", "blocked", "not-crawled")

PROBE_LIMIT_NOTE = (
    "Server answers come from a user-agent probe from this machine: it cannot reproduce "
    "IP-verified allow-lists, so a firewall that admits verified Googlebot IPs and refuses "
    "everything else claiming to be Googlebot looks like a block here. Confirm with "
    "Search Console (URL Inspection live test, Crawl stats) before changing it."
)
LEGEND = (
    "ok = allowed by robots.txt; block = disallowed; n/m = n of m sampled URLs "
    "disallowed; policy = blocked as declared (--intended-block); ? = robots.txt not read. "
    "Server: ok = every user agent got the browser's answer; - = not probed (the section had "
    f"no HTML page answering 200, or the probe had its {PROBED_SECTIONS} sections already)"
)


def label(token: str) -> str:
    known = KNOWN_CRAWLERS.get(token)
    return known.label if known else token


def section_of(url: str) -> str:
    """The site section of a URL: its first path segment when the path goes deeper
    ("/products/tents/a.html" -> "/products/"), else "/" (top-level pages)."""
    parts = (urlsplit(url).path or "/").split("/")
    return f"/{parts[1]}/" if len(parts) > 2 and parts[1] else "/"


Policy = Literal["allow", "block"]


@per_site
def crawler_policy(site: Site) -> dict[str, Policy]:
    """token -> "allow" | "block", as the user declared it (read once per Site: page
    rules ask for every blocked URL)."""
    return dict(site.settings.crawler_policy)


def internal_robots(site: Site) -> list[tuple[RobotsOutcome, RobotsFile]]:
    """The robots.txt of every audited host (resource hosts' files are left out)."""
    found = []
    for row in site.robots:
        if not site.is_internal(row.url):
            continue
        robots_file = site.robots_file(row.url)
        if robots_file is not None:
            found.append((row, robots_file))
    return found


def decide(robots_file: RobotsFile, token: str, url: str) -> tuple[bool, int | None, str | None]:
    """(allowed, deciding line, rule as written) for ``token`` on ``url``: the crawler-level
    decision (Google's token fall-backs included), without building a verdict model."""
    if robots_file.robots is None:
        return robots_file.outcome == "allow-all", None, None
    decision = robots_file.robots.decide_for_crawler(token, url)
    rule = decision.rule
    return decision.allowed, (rule.line if rule else None), (rule.raw if rule else None)


# ---------------------------------------------------------------------------------------
# Sections and the matrix
# ---------------------------------------------------------------------------------------


@dataclass
class Section:
    origin: str
    section: str
    urls: int = 0
    sample: list[str] = field(default_factory=list)


@per_site
def _sections_by_size(site: Site) -> dict[int, list[Section]]:
    """Sections are asked for by several rules and the report: computed once per Site and
    sample size, kept here."""
    return {}


def sections(site: Site, sample_size: int = MATRIX_SAMPLE) -> list[Section]:
    """Known internal URLs grouped by origin and section, with the first ``sample_size``
    (in discovery order) kept as the sample. Every audited origin has a "/" section
    holding its home page. Cached per Site."""
    cached = _sections_by_size(site)
    if sample_size not in cached:
        cached[sample_size] = _sections(site, sample_size)
    return cached[sample_size]


def _sections(site: Site, sample_size: int) -> list[Section]:
    found: dict[tuple[str, str], Section] = {}
    for row, _ in internal_robots(site):
        home = row.origin + "/"
        found[(row.origin, "/")] = Section(row.origin, "/", 0, [home])
    for url_id in range(1, len(site.inlinks)):
        url = site.url(url_id)
        if not url or site.state(url) not in _KNOWN_STATES or not site.is_internal(url):
            continue
        key = (origin(url), section_of(url))
        section = found.get(key)
        if section is None:
            section = found[key] = Section(*key)
        section.urls += 1
        if len(section.sample) < sample_size and url not in section.sample[:1]:
            section.sample.append(url)
    return sorted(found.values(), key=lambda s: (s.origin, -s.urls, s.section))


def _cell(
    robots_file: RobotsFile | None, token: str, urls: Iterable[str], policy: Policy | None
) -> AccessVerdict:
    if robots_file is None:
        return AccessVerdict(verdict="unknown", policy=policy, reason="robots.txt not read")
    checked = blocked = 0
    line: int | None = None
    rule: str | None = None
    for url in urls:
        allowed, decided_line, decided_rule = decide(robots_file, token, url)
        checked += 1
        if not allowed:
            blocked += 1
            if line is None:
                line, rule = decided_line, decided_rule
    verdict: Literal["allowed", "blocked", "partial", "unknown"]
    if checked == 0:
        verdict = "unknown"
    elif blocked == 0:
        verdict = "allowed"
    elif blocked == checked:
        verdict = "blocked"
    else:
        verdict = "partial"
    reason = robots_file.reason if robots_file.robots is None and blocked else None
    return AccessVerdict(
        verdict=verdict,
        blocked=blocked,
        checked=checked,
        policy=policy,
        line=line,
        rule=rule,
        reason=reason,
    )


def build_matrix(site: Site) -> AccessMatrix:
    policy = crawler_policy(site)
    outcomes = server_outcomes(site)
    rows: list[AccessRow] = []
    every = sections(site)
    for section in every[:MAX_ROWS]:
        robots_file = site.robots_file(section.origin + "/")
        rows.append(
            AccessRow(
                origin=section.origin,
                section=section.section,
                urls=section.urls,
                crawlers={
                    token: _cell(robots_file, token, section.sample, policy.get(token))
                    for token in MATRIX_TOKENS
                },
                server=outcomes.get((section.origin, section.section), {}),
            )
        )
    notes = [LEGEND]
    if site.probes():
        notes.append(PROBE_LIMIT_NOTE)
    omitted = max(0, len(every) - MAX_ROWS)
    return AccessMatrix(crawlers=list(MATRIX_TOKENS), rows=rows, notes=notes, omitted=omitted)


def host_access(site: Site, robots_file: RobotsFile, site_origin: str, token: str) -> AccessVerdict:
    """How much of one host ``token`` may crawl: its home page plus the sampled URLs of
    every section. "blocked" means the home page and every sampled URL are disallowed."""
    urls = [site_origin + "/"]
    for section in sections(site, sample_size=20):
        if section.origin == site_origin:
            urls.extend(u for u in section.sample if u != urls[0])
    return _cell(robots_file, token, urls, crawler_policy(site).get(token))


# ---------------------------------------------------------------------------------------
# The user-agent probe compared with its browser baseline
# ---------------------------------------------------------------------------------------

CONTENT_MIN_WORDS = 50  # below this, a word-count comparison means little
CONTENT_WORD_RATIO = 0.5  # the crawler gets less than half the browser's words
CONTENT_SIMHASH_BITS = 20  # of 64: far beyond near-duplicate noise (dynamic widgets, dates)


@dataclass(frozen=True)
class ProbeDifference:
    """What a crawler user agent got that the browser did not, for one URL."""

    url: str
    origin: str
    section: str
    profile: str  # probe profile ("googlebot", "bingbot", "gptbot")
    token: str
    kind: str  # refused, status, challenge, noindex, redirect, canonical, content
    what: str  # short, for titles and the matrix: "403", "challenge page", ...
    severity: Severity
    evidence: dict[str, Any]


def _difference(base: dict[str, Any], seen: dict[str, Any]) -> tuple[str, str, Severity] | None:
    status = seen.get("status")
    token = seen.get("token") or ""
    if seen.get("error"):
        return "refused", f"network error ({seen['error']})", "error"
    if status in (401, 403, 429) or (isinstance(status, int) and status >= 500):
        return "refused", str(status), "error"
    if status != 200:
        return "status", f"status {status}", "error"
    if seen.get("challenge") and not base.get("challenge"):
        return "challenge", "challenge page", "error"
    if (seen.get("noindex") or {}).get(token) and not (base.get("noindex") or {}).get(token):
        return "noindex", "noindex", "error"
    if seen.get("final_url") != base.get("final_url"):
        return "redirect", "redirected elsewhere", "warning"
    if seen.get("canonical") != base.get("canonical"):
        return "canonical", "other canonical", "warning"
    words, base_words = seen.get("word_count") or 0, base.get("word_count") or 0
    if base_words >= CONTENT_MIN_WORDS and words < base_words * CONTENT_WORD_RATIO:
        return "content", "different content", "warning"
    a, b = seen.get("simhash"), base.get("simhash")
    if (
        isinstance(a, int)
        and isinstance(b, int)
        and min(words, base_words) >= CONTENT_MIN_WORDS
        and ((a ^ b) & 0xFFFFFFFFFFFFFFFF).bit_count() > CONTENT_SIMHASH_BITS
    ):
        return "content", "different content", "warning"
    return None


def _baseline_usable(base: dict[str, Any] | None) -> bool:
    return (
        base is not None
        and not base.get("skipped")
        and not base.get("error")
        and base.get("status") == 200
        and not base.get("challenge")
    )


def _by_url(site: Site) -> dict[str, dict[str, dict[str, Any]]]:
    grouped: dict[str, dict[str, dict[str, Any]]] = {}
    for record in site.probes():
        grouped.setdefault(str(record.get("url")), {})[str(record.get("profile"))] = record
    return grouped


def _brief(record: dict[str, Any]) -> dict[str, Any]:
    keys = ("status", "error", "final_url", "redirects", "canonical", "word_count", "title")
    brief = {k: record.get(k) for k in keys}
    brief["challenge"] = record.get("challenge")
    brief["user_agent"] = record.get("user_agent")
    return brief


def probe_differences(site: Site) -> list[ProbeDifference]:
    """Every URL where a crawler user agent got something the browser did not."""
    found: list[ProbeDifference] = []
    for url, profiles in sorted(_by_url(site).items()):
        base = profiles.get("browser")
        if not _baseline_usable(base):
            continue  # no usable baseline: nothing can be attributed to the user agent
        assert base is not None
        for name, seen in sorted(profiles.items()):
            if name == "browser" or seen.get("skipped"):
                continue
            diff = _difference(base, seen)
            if diff is None:
                continue
            kind, what, severity = diff
            found.append(
                ProbeDifference(
                    url=url,
                    origin=origin(url),
                    section=str(seen.get("section") or section_of(url)),
                    profile=name,
                    token=str(seen.get("token") or name),
                    kind=kind,
                    what=what,
                    severity=severity,
                    evidence={"browser": _brief(base), name: _brief(seen)},
                )
            )
    return found


def server_outcomes(site: Site) -> dict[tuple[str, str], dict[str, str]]:
    """(origin, section) -> profile -> what the server answered: "ok", the difference
    ("403", "challenge page", ...), "robots.txt" (not fetched: disallowed), or
    "no baseline" (the browser itself did not get a normal page)."""
    diffs = {(d.url, d.profile): d.what for d in probe_differences(site)}
    outcomes: dict[tuple[str, str], dict[str, str]] = {}
    for url, profiles in _by_url(site).items():
        base_ok = _baseline_usable(profiles.get("browser"))
        for name, seen in profiles.items():
            if name == "browser":
                continue
            key = (origin(url), str(seen.get("section") or section_of(url)))
            if seen.get("skipped"):
                outcome = "robots.txt"
            elif not base_ok:
                outcome = "no baseline"
            else:
                outcome = diffs.get((url, name), "ok")
            cell = outcomes.setdefault(key, {})
            # The section shows its most telling outcome: a difference, else "ok".
            if _rank(outcome) > _rank(cell.get(name)):
                cell[name] = outcome
    return outcomes


def _rank(outcome: str | None) -> int:
    return {None: -1, "robots.txt": 0, "no baseline": 1, "ok": 2}.get(outcome, 3)
