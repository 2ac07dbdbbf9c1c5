"""Crawl blocks (ROB): robots.txt problems that keep search engines out of the site.

Every rule here reads robots.txt through ``Site.robots_file`` (parsed once per host) and
``access.py`` (which files are the audited hosts', crawler-level decisions, the declared
crawler policy), so a verdict in a finding and one in the access matrix always agree.
Findings name the robots.txt URL and line, and ``seoaudit robots URL --as TOKEN`` checks a fix.
"""

from __future__ import annotations

import bisect
import re
import shlex
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from seoaudit.access import (
    SEARCH_ENGINES,
    crawler_policy,
    decide,
    host_access,
    internal_robots,
    label,
)
from seoaudit.crawl.checks import ROBOTS_TWIN, twin_origins
from seoaudit.crawl.discovery import interpret_robots
from seoaudit.crawl.urls import normalize, origin
from seoaudit.models import TLS_ERROR, PageFacts, Severity
from seoaudit.robots import (
    MAX_BODY_BYTES,
    MAX_REDIRECTS,
    LineProblem,
    RobotsFile,
    match_path,
    path_matcher,
)
from seoaudit.rules.common import found_signals, robots_cause, robots_command, urls_in_state
from seoaudit.rules.registry import Hit, rule
from seoaudit.store import LINK_CANONICAL, LINK_HREFLANG, LINK_REDIRECT

if TYPE_CHECKING:
    from seoaudit.site import RobotsOutcome, Site

# robots.txt directives whose presence means the owner expects an effect Google dropped
# (robots.txt noindex stopped working on 1 September 2019): a warning, not a notice.
_RELIED_ON = frozenset({"noindex", "nofollow", "noarchive", "nosnippet"})
_RULE_LINE = re.compile(rb"^[ \t]*(?:user-?agent|allow|disallow)[ \t]*:", re.I | re.M)


def _problems(robots_file: RobotsFile, *kinds: str) -> list[LineProblem]:
    if robots_file.robots is None:
        return []
    return [p for p in robots_file.robots.problems if p.kind in kinds]


@rule(
    "ROB001",
    "robots-txt-unreachable",
    severity="error",
    scope="site",
    group="{count} URLs cannot be crawled: {cause}",
)
def robots_txt_unreachable(site: Site) -> Iterator[Hit]:
    """robots.txt answers 5xx or 429, or cannot be fetched: Google stops crawling the site.

    ## What it does
    Checks the robots.txt of every audited host. A server error, a 429, a timeout or a
    connection failure on /robots.txt is flagged, together with every URL of the host
    the crawl could therefore not fetch (one issue per host, so its impact is the whole
    site's). A rejected TLS certificate is reported as ONP019 instead.

    ## Why it matters
    Google reads an unreachable robots.txt as "disallow everything": it stops crawling
    the whole host (for about 12 hours, then works from its last cached copy for up to 30
    days). New and changed pages are not picked up and a long outage can drop URLs. This
    is the most damaging single error a site can have.

    ## How to fix
    Serve robots.txt as a static file that answers 200 (or 404 for "no rules")
    independently of the application's health; exempt it from WAF and rate limits; never
    answer 503 on it during maintenance.

    ## How to verify
    `curl -sI <origin>/robots.txt` answers 200 or 404, also under load;
    `seoaudit robots <origin>/ --as <audited crawler>` prints "allowed".

    ## Source
    Google Search Central: "How Google interprets the robots.txt specification";
    RFC 9309 section 2.3.1.4.
    """
    for row, robots_file in internal_robots(site):
        if robots_file.outcome != "disallow-all" or row.error == TLS_ERROR:
            continue  # a rejected certificate is ONP019's: its fix is the certificate
        what = f"status {row.status}" if row.status is not None else (row.error or "no response")
        cause = f"{row.url} answers {what}"
        blocked = urls_in_state(site, row.origin, "blocked")
        evidence: dict[str, Any] = {
            "status": row.status,
            "error": row.error,
            "reason": robots_file.reason,
            "urls_not_crawled": len(blocked),
            "verify": f"curl -sI {shlex.quote(row.url)}",
        }
        yield Hit(
            row.url,
            f"robots.txt unreachable ({what}): Google stops crawling {row.origin}",
            evidence,
            cause=cause,
        )
        for url in blocked:
            yield Hit(
                url,
                f"Not crawlable while {row.url} is unreachable ({what})",
                {"robots_url": row.url, "status": row.status, "error": row.error},
                cause=cause,
            )


@rule("ROB002", "robots-txt-missing", severity="notice", scope="site")
def robots_txt_missing(site: Site) -> Iterator[Hit]:
    """robots.txt answers 404 (or another 4xx): every URL may be crawled.

    ## What it does
    Flags audited hosts whose /robots.txt answers a 4xx other than 401, 403 and 429
    (those have their own rules).

    ## Why it matters
    Search engines read a missing robots.txt as "crawl everything". That is fine when
    intended, but the site then has no place to declare its sitemaps or keep crawlers out
    of internal search, carts and other crawl traps.

    ## How to fix
    Publish a minimal robots.txt: `User-agent: *`, the `Disallow:` lines you need, and a
    `Sitemap:` line with the sitemap's absolute URL.

    ## How to verify
    `curl -sI <origin>/robots.txt` answers 200 with `Content-Type: text/plain`.

    ## Source
    Google Search Central: "How Google interprets the robots.txt specification"
    (HTTP status codes); RFC 9309 section 2.3.1.3.
    """
    for row, robots_file in internal_robots(site):
        status = row.status
        if (
            robots_file.outcome == "allow-all"
            and status is not None
            and 400 <= status < 500
            and status not in (401, 403, 429)
            and row.redirects <= MAX_REDIRECTS
        ):
            yield Hit(
                row.url,
                f"No robots.txt ({status}): every URL of {row.origin} may be crawled",
                {"status": status, "reason": robots_file.reason},
            )


@rule("ROB003", "robots-txt-forbidden", severity="warning", scope="site")
def robots_txt_forbidden(site: Site) -> Iterator[Hit]:
    """robots.txt answers 401 or 403: Google ignores every rule in it.

    ## What it does
    Flags audited hosts whose /robots.txt answers 401 or 403, typically a firewall or
    basic-auth rule that also catches robots.txt.

    ## Why it matters
    Google treats 401 and 403 on robots.txt like a missing file: everything may be
    crawled, so every intended `Disallow` is void. It also hints that the server refuses
    crawlers, and pages may be getting the same answer.

    ## How to fix
    Exempt /robots.txt from authentication and firewall rules and serve it with 200 and
    the intended rules.

    ## How to verify
    `curl -sI <origin>/robots.txt` answers 200.

    ## Source
    Google Search Central: "How Google interprets the robots.txt specification"
    (4xx client errors).
    """
    for row, robots_file in internal_robots(site):
        if row.status in (401, 403) and row.redirects <= MAX_REDIRECTS:
            yield Hit(
                row.url,
                f"robots.txt answers {row.status}: Google ignores its rules and may crawl "
                "every URL",
                {"status": row.status, "reason": robots_file.reason},
            )


@rule("ROB004", "robots-txt-too-many-redirects", severity="warning", scope="site")
def robots_txt_too_many_redirects(site: Site) -> Iterator[Hit]:
    """robots.txt redirects more than five times or in a loop: Google ignores it.

    ## What it does
    Flags audited hosts whose /robots.txt redirect chain is longer than five hops or
    loops back on itself.

    ## Why it matters
    Google follows at most five redirects for robots.txt and then treats the file as
    missing: every URL may be crawled and every intended `Disallow` is lost.

    ## How to fix
    Serve robots.txt directly on every host, with at most one redirect (e.g. http to
    https), and break any loop between the slash and host variants.

    ## How to verify
    `curl -sIL --max-redirs 5 <origin>/robots.txt` ends with 200.

    ## Source
    Google Search Central: "How Google interprets the robots.txt specification"
    (3xx redirection); RFC 9309 section 2.3.1.2.
    """
    for row, robots_file in internal_robots(site):
        loop = row.error == "redirect-loop"
        if not loop and row.redirects <= MAX_REDIRECTS and row.error != "too-many-redirects":
            continue
        what = "redirects in a loop" if loop else f"redirects more than {MAX_REDIRECTS} times"
        yield Hit(
            row.url,
            f"robots.txt {what}: Google treats it as missing and may crawl every URL",
            {"redirects": row.redirects, "error": row.error, "reason": robots_file.reason},
        )


def _not_robots_text(row: RobotsOutcome, robots_file: RobotsFile) -> tuple[str, Severity] | None:
    """(what is wrong, severity) when a 2xx robots.txt body is not a usable robots file."""
    robots = robots_file.robots
    if robots is None:
        return None
    body = row.body or b""
    head = body[:1024]
    content_type = (row.content_type or "").split(";")[0].strip().lower()
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head.count(b"\x00") > len(head) // 4:
        return "it is UTF-16 encoded; Google reads UTF-8, so no line can match", "warning"
    if b"\x00" in head:
        if robots.agents() or robots.sitemaps:
            # Google skips the lines it cannot read and applies the rest, as we do
            return (
                "it holds binary data; Google skips those lines and applies only the rules "
                "it can read between them",
                "warning",
            )
        return "it is binary data, not text; Google finds no rules in it", "warning"
    if any(p.kind == "looks-like-html" for p in robots.problems):
        return (
            "it is an HTML page (typically a catch-all route); Google only reads the lines "
            "that look like rules",
            "warning",
        )
    if body.strip() and not robots.agents() and not robots.sitemaps:
        return "it contains no valid robots.txt line", "warning"
    if content_type and not content_type.startswith("text/"):
        # Google parses the body whatever the type says, so this is only hygiene.
        return f"it is served as {content_type} instead of text/plain", "notice"
    return None


@rule("ROB005", "robots-txt-not-a-robots-file", severity="warning", scope="site")
def robots_txt_not_a_robots_file(site: Site) -> Iterator[Hit]:
    """robots.txt answers 200 with an HTML page, UTF-16, binary data or no valid lines.

    ## What it does
    Flags a robots.txt served as HTML (by Content-Type or body), encoded as UTF-16,
    holding binary data, or holding no valid `field: value` line. A non-text Content-Type
    on an otherwise valid file is a notice only: Google parses it anyway.

    ## Why it matters
    Google parses whatever a 200 robots.txt contains and keeps only the lines that look
    like rules. An SPA catch-all page or a UTF-16 file usually means no rule applies at
    all, so the blocks the owner intended do not exist (and occasionally a stray line
    becomes a rule nobody meant).

    ## How to fix
    Route /robots.txt to a real UTF-8 `text/plain` file before any catch-all route.

    ## How to verify
    `curl -sI <origin>/robots.txt` shows `Content-Type: text/plain`, and
    `seoaudit robots <url> --as <audited crawler>` shows the rule you expect deciding.

    ## Source
    Google Search Central: "How Google interprets the robots.txt specification" (file
    format: UTF-8 plain text; invalid lines ignored).
    """
    for row, robots_file in internal_robots(site):
        found = _not_robots_text(row, robots_file)
        if found is not None:
            what, severity = found
            yield Hit(
                row.url,
                f"robots.txt is not a plain-text robots file: {what}",
                {
                    "content_type": row.content_type,
                    "status": row.status,
                    "size": len(row.body or b""),
                },
                severity=severity,
            )


@rule("ROB006", "robots-txt-too-large", severity="warning", scope="site")
def robots_txt_too_large(site: Site) -> Iterator[Hit]:
    """robots.txt is larger than 500 KiB: Google ignores everything after the limit.

    ## What it does
    Flags a robots.txt over 512,000 bytes and names the first line Google does not read.
    It is an error when user-agent, allow or disallow lines come after the limit (they
    are silently lost), a warning otherwise.

    ## Why it matters
    Google reads the first 500 KiB of robots.txt. Rules past the cut do not exist for it,
    so pages meant to be blocked are crawled, or pages meant to be opened stay blocked.

    ## How to fix
    Shrink the file: replace lists of URLs with directory rules and wildcards, remove
    duplicated groups, and move rarely needed rules to the top if they must stay.

    ## How to verify
    `curl -s <origin>/robots.txt | wc -c` prints less than 512000.

    ## Source
    Google Search Central: "How Google interprets the robots.txt specification" (file
    size limit); RFC 9309 section 2.5.
    """
    for row, robots_file in internal_robots(site):
        robots = robots_file.robots
        if robots is None or not robots.truncated:
            continue
        body = row.body or b""
        line_start = body.rfind(b"\n", 0, MAX_BODY_BYTES) + 1
        lost_rules = len(_RULE_LINE.findall(body, line_start))
        evidence = {
            "limit_bytes": MAX_BODY_BYTES,
            "bytes_read": len(body),
            "first_lost_line": robots.first_lost_line,
            "rule_lines_lost_at_least": lost_rules,
        }
        message = (
            f"robots.txt is over 500 KiB: Google ignores it from line {robots.first_lost_line}"
        )
        if lost_rules:
            message += f", losing at least {lost_rules} rule lines"
        yield Hit(row.url, message, evidence, severity="error" if lost_rules else None)


@rule(
    "ROB007",
    "site-disallowed-for-search-crawler",
    severity="error",
    scope="site",
    group="{count} hosts disallowed for a search engine ({cause})",
)
def site_disallowed_for_search_crawler(site: Site) -> Iterator[Hit]:
    """robots.txt disallows the whole site for Googlebot or Bingbot.

    ## What it does
    For each audited host, decides (with Google's precedence rules, not string matching)
    whether Googlebot and Bingbot may fetch the home page and the sampled URLs of every
    section. When all are disallowed, the host is flagged, naming the deciding line. A
    crawler declared as an intended block (`--intended-block bingbot`) is not flagged: it
    shows as "policy" in the access matrix.

    ## Why it matters
    Nothing new can be crawled; existing results decay into URL-only listings and then
    disappear. The classic cause is a staging robots.txt (`Disallow: /`) shipped to
    production. Bing also feeds Copilot and other assistants.

    ## How to fix
    Remove the blanket `Disallow: /` (or the group that applies to the crawler) from the
    production robots.txt; protect staging with authentication instead of robots.txt.

    ## How to verify
    `seoaudit robots <origin>/ --as googlebot` and `--as bingbot` print "allowed".

    ## Source
    Google Search Central: "How Google interprets the robots.txt specification" (order of
    precedence); "Google Search technical requirements".
    """
    policy = crawler_policy(site)
    for row, robots_file in internal_robots(site):
        if robots_file.robots is None:
            continue  # unreachable (ROB001) or missing: not a disallow rule
        by_line: dict[tuple[int | None, str | None], list[str]] = {}
        for token in SEARCH_ENGINES:
            if policy.get(token) == "block":
                continue
            access = host_access(site, robots_file, row.origin, token)
            if access.verdict == "blocked":
                by_line.setdefault((access.line, access.rule), []).append(label(token))
        for (line, text), crawlers in by_line.items():
            yield Hit(
                row.url,
                f"{' and '.join(crawlers)} may not crawl {row.origin}: "
                f"line {line} ({text}) disallows the whole site",
                {
                    "crawlers": crawlers,
                    "line": line,
                    "rule": text,
                    "verify": robots_command(row.origin + "/"),
                },
                cause=robots_cause(row.url, text),
            )


def _why_it_matters(page: PageFacts, site: Site) -> tuple[list[str], list[str], int]:
    reasons, sitemaps, inlinks = found_signals(page, site)
    for kind, what in (
        (LINK_CANONICAL, "canonical target"),
        (LINK_HREFLANG, "hreflang target"),
        (LINK_REDIRECT, "redirect target"),
    ):
        if site.referrers(page.url, kind):
            reasons.append(what)
    if page.url in site.start_urls:
        reasons.append("start URL")
    return reasons, sitemaps, inlinks


@rule(
    "ROB008",
    "important-url-disallowed",
    severity="error",
    group="{count} URLs disallowed by {cause}",
)
def important_url_disallowed(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A URL the site wants found is disallowed for the audited crawler by robots.txt.

    ## What it does
    Flags URLs that robots.txt disallows for the audited crawler (Googlebot by default).
    It is an error when the URL matters: listed in a sitemap, the target of a canonical,
    hreflang or redirect, a start URL, or linked from several pages (3 or more: the
    `many_inlinks` setting). Other blocked URLs are notices, so intended blocks stay visible without
    shouting. All URLs blocked by one robots.txt line form one issue that names the line;
    the evidence carries each URL's page value. URLs blocked because robots.txt is
    unreachable are ROB001's (ONP019's when its TLS certificate is rejected), and nothing
    is flagged when the audited crawler is declared an intended block.

    ## Why it matters
    A disallowed page cannot be crawled, so its content cannot be indexed. Google may
    still show the bare URL ("Indexed, though blocked by robots.txt") with no snippet and
    a title it makes up, and any noindex or canonical on the page is never seen.

    ## How to fix
    Remove or narrow the robots.txt rule named in the finding (or add a longer `Allow:`
    rule), or stop linking to and listing the URL if it should stay blocked.

    ## How to verify
    `seoaudit robots <url> --as <audited crawler>` prints "allowed".

    ## Source
    Google Search Central: "Introduction to robots.txt"; "How Google interprets the
    robots.txt specification".
    """
    verdict = page.robots
    if verdict is None or verdict.allowed:
        return
    if verdict.line is None:
        robots_file = site.robots_file(page.url)
        if robots_file is not None and robots_file.outcome == "disallow-all":
            return  # robots.txt unreachable: ROB001 (or ONP019) reports the host as one issue
    if crawler_policy(site).get(verdict.agent) == "block":
        return
    reasons, sitemaps, inlinks = _why_it_matters(page, site)
    if verdict.line is not None:
        cause = robots_cause(verdict.robots_url, verdict.rule)
    else:
        cause = verdict.reason or f"{verdict.robots_url}"
    # the deciding line in the message too: annotations and JUnit show only the message
    where = f" line {verdict.line}: {verdict.rule}" if verdict.line is not None else ""
    yield Hit(
        page.url,
        f"Disallowed for {verdict.agent} by robots.txt{where}"
        + (f" ({', '.join(reasons)})" if reasons else ""),
        {
            "agent": verdict.agent,
            "robots_url": verdict.robots_url,
            "line": verdict.line,
            "rule": verdict.rule,
            "reason": verdict.reason,
            "why_it_matters": reasons,
            "inlinks": inlinks,
            "linked_from": site.linking_pages(page.url, 10),
            "sitemaps": sitemaps,
            "page_value": round(site.page_value(page.url), 3),
            "verify": robots_command(page.url, verdict.agent),
        },
        cause=cause,
        severity=None if reasons else "notice",
    )


def _literal_prefix(pattern: str) -> str:
    """The part of a robots.txt path pattern before any wildcard or end anchor."""
    return re.split(r"[*$]", pattern, maxsplit=1)[0]


@rule("ROB009", "named-group-ignores-star-rules", severity="warning", scope="site")
def named_group_ignores_star_rules(site: Site) -> Iterator[Hit]:
    """A crawler-specific group leaves out `Disallow` rules of the `*` group.

    ## What it does
    For each group that names a crawler and has its own `Disallow` rules, checks every
    `Disallow` of the `*` group: when the path it blocks for everyone is allowed for
    that crawler, the rule is reported as not applying to it. Groups with only `Allow`
    rules (or an empty `Disallow:`) are deliberate openings and are not flagged.

    ## Why it matters
    A crawler that finds a group naming it ignores the `*` group completely. Owners often
    add `User-agent: Googlebot` with one extra rule and assume the `*` rules (admin,
    search, carts) still apply to Googlebot; they do not, so those paths are crawled.

    ## How to fix
    Repeat every intended `*` rule inside each named group (or drop the named group if
    it only repeats `*`).

    ## How to verify
    `seoaudit robots <origin><path> --as <crawler>` prints "blocked" for each path listed.

    ## Source
    Google Search Central: "How Google interprets the robots.txt specification" (order of
    precedence for user agents); RFC 9309 section 2.2.1.
    """
    for row, robots_file in internal_robots(site):
        robots = robots_file.robots
        if robots is None or "*" not in robots.agents():
            continue
        star_disallows = [r for r in robots.rules_for("*") if not r.allow and r.pattern]
        for agent in sorted(robots.agents() - {"*"}):
            own = robots.rules_for(agent)
            if not any(not r.allow and r.pattern for r in own):
                continue  # an allow-only group is a deliberate opening
            missing = []
            for star_rule in star_disallows:
                prefix = _literal_prefix(star_rule.pattern)
                if not prefix.startswith("/"):
                    continue
                url = row.origin + prefix
                if not robots.decide("*", url).allowed and robots.decide(agent, url).allowed:
                    missing.append({"line": star_rule.line, "rule": star_rule.raw})
            if missing:
                yield Hit(
                    row.url,
                    f"The group for {agent} ignores {len(missing)} Disallow rule(s) of the * "
                    f"group (first: line {missing[0]['line']}, {missing[0]['rule']})",
                    {"agent": agent, "star_rules_not_applied": missing[:50]},
                    cause=f"{row.url}: group for {agent}",
                )


@rule("ROB010", "unsupported-robots-directive", severity="notice", scope="site")
def unsupported_robots_directive(site: Site) -> Iterator[Hit]:
    """robots.txt uses directives Google ignores (noindex, crawl-delay, host, ...).

    ## What it does
    Lists robots.txt lines whose field Google does not support, one finding per
    directive. `noindex`, `nofollow`, `noarchive` and `nosnippet` are warnings (the owner
    expects an effect that does not happen); `crawl-delay`, `host`, `clean-param` and the
    rest are notices.

    ## Why it matters
    Google dropped robots.txt `noindex` in 2019: pages the owner believes are de-indexed
    are not. `Crawl-delay` does nothing for Google, but Bing, Common Crawl and Anthropic
    honour it, so a large value can throttle Bing heavily.

    ## How to fix
    Use a robots meta tag or `X-Robots-Tag` header for noindex (on crawlable URLs).
    Manage Google's crawl rate with server capacity (and 503/429 in emergencies), not
    `crawl-delay`; keep any `crawl-delay` for Bing small.

    ## How to verify
    `curl -s <origin>/robots.txt` no longer shows the line.

    ## Source
    Google Search Central: "How Google interprets the robots.txt specification"
    (supported fields); Google Search Central Blog, "A note on unsupported rules in
    robots.txt" (2019); Bing Webmaster Guidelines (crawl-delay).
    """
    for row, robots_file in internal_robots(site):
        by_directive: dict[str, list[LineProblem]] = {}
        for problem in _problems(robots_file, "unsupported-directive"):
            by_directive.setdefault(problem.directive or "", []).append(problem)
        for directive, problems in sorted(by_directive.items()):
            first = problems[0]
            relied_on = directive in _RELIED_ON
            effect = (
                "Google ignores it, so nothing is de-indexed or hidden by it"
                if relied_on
                else "Google ignores it"
            )
            yield Hit(
                row.url,
                f"Unsupported robots.txt directive {directive!r} on line {first.line} "
                f"({first.text}): {effect}",
                {
                    "directive": directive,
                    "lines": [{"line": p.line, "text": p.text} for p in problems[:50]],
                },
                cause=f"{row.url}: {directive}",
                severity="warning" if relied_on else None,
            )


_INVALID = {
    "rule-outside-group": "rule before any User-agent line (belongs to no group: ignored)",
    "invalid-path": "path that does not start with / or * (matches nothing as intended)",
    "invalid-line": "line that is not a field: value pair (ignored)",
    "unknown-directive": "unknown field (ignored)",
    "line-too-long": "line longer than Google reads (cut at 16,663 bytes)",
}


@rule("ROB011", "invalid-robots-line", severity="warning", scope="site")
def invalid_robots_line(site: Site) -> Iterator[Hit]:
    """robots.txt has lines Google drops: rules before any User-agent, invalid lines.

    ## What it does
    Reports, one finding per kind, lines Google cannot use: `Allow`/`Disallow` before
    the first `User-agent` line, lines without a `field: value` form, unknown fields,
    paths that do not start with `/` or `*`, and over-long lines. A robots.txt that is an
    HTML page is ROB005's instead.

    ## Why it matters
    Google silently ignores invalid lines and rules outside a group, so a block the owner
    relies on may simply not exist (or a path without a leading slash blocks nothing).

    ## How to fix
    One directive per line in the form `Field: /path`, and every block of rules preceded
    by a `User-agent:` line.

    ## How to verify
    `seoaudit robots <url> --as <audited crawler>` shows the intended line deciding.

    ## Source
    Google Search Central: "How Google interprets the robots.txt specification" (syntax;
    paths start with /); RFC 9309 section 2.2.
    """
    for row, robots_file in internal_robots(site):
        robots = robots_file.robots
        if robots is None or any(p.kind == "looks-like-html" for p in robots.problems):
            continue
        for kind, what in _INVALID.items():
            problems = _problems(robots_file, kind)
            if not problems:
                continue
            first = problems[0]
            yield Hit(
                row.url,
                f"{len(problems)} robots.txt line(s) with a {what}; first: line "
                f"{first.line} ({first.text})",
                {
                    "kind": kind,
                    "lines": [{"line": p.line, "text": p.text} for p in problems[:50]],
                    "more_problems_not_listed": robots.problems_dropped,
                },
                cause=f"{row.url}: {kind}",
            )


MAX_CASE_EXAMPLES = 5


def _covered(
    prefix: str | None, matches: Callable[[str], bool], paths: list[str], limit: int
) -> list[str]:
    """Up to ``limit`` of the sorted ``paths`` a rule pattern covers: found by binary
    search when the pattern is a plain prefix, else by a scan that stops at ``limit``."""
    found: list[str] = []
    if prefix is not None:
        for path in paths[bisect.bisect_left(paths, prefix) :]:
            if not path.startswith(prefix) or len(found) >= limit:
                break
            found.append(path)
        return found
    for path in paths:
        if matches(path):
            found.append(path)
            if len(found) >= limit:
                break
    return found


@rule("ROB012", "case-mismatched-robots-rule", severity="notice", scope="site")
def case_mismatched_rule(site: Site) -> Iterator[Hit]:
    """A robots.txt rule matches no URL the crawl saw, but would if case did not matter.

    ## What it does
    For every `Allow`/`Disallow` line of the audited hosts' robots.txt (all groups), checks
    the URLs the crawl fetched or found blocked on that host. A line that matches none of
    them while the same path in other letter case matches some (`Disallow: /Admin/` on a
    site whose URLs are `/admin/...`) is reported with those URLs.

    ## Why it matters
    robots.txt paths are case-sensitive: the line does nothing for the URLs it was
    written for, which stay crawlable (a Disallow) or stay blocked (an Allow).

    ## How to fix
    Write the path exactly as the site's URLs spell it, or add a line for each spelling
    the site really serves.

    ## How to verify
    `seoaudit robots <one of the listed URLs>` shows the corrected line deciding.

    ## Source
    Google Search Central: "How Google interprets the robots.txt specification" (the path
    value is case-sensitive); RFC 9309 section 2.2.2.
    """
    paths_by_origin: dict[str, dict[str, str]] = defaultdict(dict)  # origin -> path -> URL
    for url_id in range(1, len(site.inlinks)):
        url = site.url(url_id)
        if site.state(url) in ("done", "blocked"):
            paths_by_origin[origin(url)].setdefault(match_path(url), url)
    for row, robots_file in internal_robots(site):
        robots = robots_file.robots
        known = paths_by_origin.get(row.origin)
        if robots is None or not known:
            continue
        paths = sorted(known)
        lowered: dict[str, str] = {}
        for path in paths:
            lowered.setdefault(path.lower(), path)
        lower_paths = sorted(lowered)
        done: set[int] = set()
        for agent in sorted(robots.agents()):
            for line in robots.rules_for(agent):
                if line.line in done or not line.pattern:
                    continue
                done.add(line.line)
                if line.pattern.lower() == line.pattern.upper():
                    continue  # no letters: case cannot matter
                if _covered(*path_matcher(line.pattern), paths, 1):
                    continue
                folded_matcher = path_matcher(line.pattern.lower())
                folded = _covered(*folded_matcher, lower_paths, len(lower_paths))
                if not folded:
                    continue
                urls = [known[lowered[p]] for p in folded[:MAX_CASE_EXAMPLES]]
                yield Hit(
                    row.url,
                    f"Line {line.line} ({line.raw}) matches no URL of the site, but "
                    f"{len(folded)} differ only in letter case, e.g. {urls[0]}",
                    {
                        "line": line.line,
                        "rule": line.raw,
                        "matching_in_other_case": len(folded),
                        "examples": urls,
                    },
                    cause=robots_cause(row.url, line.raw),
                )


@rule("ROB013", "invalid-sitemap-line", severity="warning", scope="site")
def invalid_sitemap_line(site: Site) -> Iterator[Hit]:
    """A robots.txt Sitemap line is relative, not http(s), or names a file that fails.

    ## What it does
    Checks every `Sitemap:` line of the audited hosts' robots.txt: its value must be an
    absolute http(s) URL, and the file it names must answer 2xx when the crawl reads it.

    ## Why it matters
    Search engines only discover sitemaps from robots.txt through absolute URLs; a
    relative value or a file that answers 404 or 5xx means the sitemap is not read from
    there, and the URLs it lists lose that discovery path.

    ## How to fix
    Write the sitemap's absolute URL, scheme and host included
    (`Sitemap: https://www.example.com/sitemap.xml`), and make the file answer 200.

    ## How to verify
    `curl -sI <sitemap URL>` answers 200.

    ## Source
    Google Search Central: "How Google interprets the robots.txt specification" (sitemap
    field); "Build and submit a sitemap".
    """
    read = {r["url"]: r for r in site.store.sitemap_rows()}
    for row, robots_file in internal_robots(site):
        robots = robots_file.robots
        if robots is None:
            continue
        for problem in _problems(robots_file, "invalid-sitemap"):
            yield Hit(
                row.url,
                f"Sitemap line {problem.line} is not an absolute http(s) URL ({problem.text})",
                {"line": problem.line, "text": problem.text},
                cause=robots_cause(row.url, problem.text),
            )
        for line, value in robots.sitemaps:
            url = normalize(value) if value.lower().startswith(("http://", "https://")) else None
            fetched = read.get(url) if url else None
            if fetched is None:
                continue
            status, error = fetched.get("status"), fetched.get("error")
            if error or status is None or not 200 <= status < 300:
                what = f"status {status}" if status is not None else error
                if error and status is not None:  # a body that did not decode
                    what = f"status {status} and fails: {error}"
                yield Hit(
                    row.url,
                    f"Sitemap line {line} names {url}, which answers {what}",
                    {"line": line, "sitemap": url, "status": status, "error": error},
                    cause=robots_cause(row.url, f"Sitemap: {value}"),
                )


# ROB014 compares a twin's robots.txt for at most this many agents (a hostile file may name
# thousands) and turns at most this many differing rules into sample paths.
MAX_COMPARED_AGENTS = 50
MAX_SAMPLED_RULES = 500
MAX_LISTED = 20  # paths and rules quoted in one finding


def _twin_robots(site: Site, twin: str, home: str) -> tuple[RobotsFile, bool] | None:
    """What ``twin``/robots.txt says, from the post-crawl check (crawl/checks.py
    ROBOTS_TWIN) or, for an origin the crawl itself read, the crawl's fetch; and whether
    the twin is seen to redirect to ``home`` (``_moves_to``). None when the twin host
    never answered (no such host, refused, a rejected certificate, ONP019's): then there
    is no mirror to disagree."""
    url = twin + "/robots.txt"
    check = site.check(url)
    if check is not None and ROBOTS_TWIN in check.purposes:
        if check.error == TLS_ERROR or (check.status is None and check.redirects == 0):
            return None
        robots = interpret_robots(
            url,
            check.status,
            check.body or b"",
            error=check.error,
            redirects=check.redirects,
            content_type=check.content_type,
        )
        moved = check.redirects > 0 and origin(check.final_url) == home
        return robots, moved or _moves_to(site, twin, home)
    row = next((r for r in site.robots if r.origin == twin), None)
    if row is None or row.error == TLS_ERROR or (row.status is None and row.redirects == 0):
        return None
    robots_file = site.robots_file(url)
    return None if robots_file is None else (robots_file, _moves_to(site, twin, home))


def _moves_to(site: Site, twin: str, home: str) -> bool:
    """Whether the audit saw a URL of ``twin`` redirect to ``home``: a start URL there (the
    usual http -> https start), or the start page's scheme-twin check (ONP018's)."""
    for start in site.start_urls:
        if origin(start) == twin:
            chain = site.redirect_chain(start)
            if chain.hops and chain.final_url and origin(chain.final_url) == home:
                return True
    return any(
        origin(c.url) == twin and c.redirects > 0 and origin(c.final_url) == home
        for c in site.checks("scheme-twin")
    )


def _sample_paths(rules: frozenset[tuple[bool, str]]) -> list[str]:
    """Paths where two files that differ in ``rules`` (the rules only one of them has) may
    decide differently: each pattern with its wildcards left empty or filled, and one
    character longer. A verdict can only differ on a path one of those rules matches."""
    paths = {"/"}
    for _, pattern in sorted(rules, key=lambda r: (r[1], r[0]))[:MAX_SAMPLED_RULES]:
        base = pattern.removesuffix("$")
        base = base if base.startswith("/") else "/" + base
        for fill in ("", "x"):
            path = base.replace("*", fill)
            paths.update((path, path + "x"))
    return sorted(paths)


def _differences(
    own: RobotsFile, theirs: RobotsFile, token: str, moved: bool
) -> list[tuple[str, bool, bool]]:
    """(path, allowed on the site, allowed on the twin) of sample paths whose verdicts
    differ for ``token``; for a twin that redirects to the site, only paths the twin
    blocks and the site allows (crawlers cannot follow those redirects)."""
    mine, other = own.crawler_rules(token), theirs.crawler_rules(token)
    if mine == other:
        return []
    found = []
    for path in _sample_paths(mine ^ other):
        here = decide(own, token, "http://x" + path)[0]
        there = decide(theirs, token, "http://x" + path)[0]
        if here != there and (here or not moved):
            found.append((path, here, there))
    return found


def _rule_text(rule: tuple[bool, str]) -> str:
    return f"{'Allow' if rule[0] else 'Disallow'}: {rule[1]}"


@rule("ROB014", "robots-txt-differs-on-twin-host", severity="notice", scope="site")
def robots_txt_differs_on_twin_host(site: Site) -> Iterator[Hit]:
    """The http/https or www/non-www twin of the site has other robots.txt rules.

    ## What it does
    For each start page, reads the robots.txt of its twin origins (the other scheme, and
    the www or bare host on both schemes) once after the crawl, following redirects as
    for the site's own robots.txt. A twin whose file, after those redirects, decides a
    URL otherwise than the site's for some crawler (Googlebot, Bingbot, any agent either
    file names, or `*`) is flagged with such a path: a different file, none (404), or one
    that fails (Google then crawls nothing there). Verdicts are compared on paths built
    from the rules that differ, so comments, order, Sitemap lines and rules that change
    nothing (`Allow: /` against no file) do not count. A twin seen to redirect to the site
    (its robots.txt, a start URL or the home page's twin) is flagged only where it blocks
    what the site allows. A twin host that does not answer, or fails its certificate
    check (ONP019), is skipped; hosts on a non-standard port or the loopback are not
    checked, and a www twin is guessed only for a registrable name (example.com,
    example.co.uk).

    ## Why it matters
    robots.txt applies to one scheme, host and port only. When http://, www or another
    twin of the site answers with other rules, search engines crawl the twin by those:
    a twin that blocks everything hides the redirects from it to the real site, so links
    to the twin pass nothing on; a twin that allows what the site blocks gets private or
    endless URLs crawled and indexed under its name.

    ## How to fix
    Redirect every twin to the site's origin with a 301, /robots.txt included; or, if the
    twin must answer itself, serve it the same robots.txt as the site.

    ## How to verify
    `curl -sIL <twin>` ends at the site's robots.txt, or
    `seoaudit robots <twin URL> --as <audited crawler>` gives the site's verdict.

    ## Source
    Google Search Central: "How Google interprets the robots.txt specification" (file
    location and range of validity); Bing Webmaster blog: "To crawl or not to crawl, that
    is BingBot's question" (2012).
    """
    compared: set[frozenset[str]] = set()
    for start in site.start_urls:
        chain = site.redirect_chain(start)
        final = chain.final_url
        if final is None or chain.final_status != 200:
            continue
        home = origin(final)
        own = site.robots_file(final)
        if own is None:
            continue
        scheme, _, host = home.partition("://")
        for twin in twin_origins(scheme, host):
            pair = frozenset((home, twin))
            if pair in compared:
                continue
            compared.add(pair)
            read = _twin_robots(site, twin, home)
            if read is None:
                continue
            theirs, moved = read
            named = (own.robots.agents() if own.robots else set()) | (
                theirs.robots.agents() if theirs.robots else set()
            )
            others = sorted(named - {*SEARCH_ENGINES, "*"})[:MAX_COMPARED_AGENTS]
            differ: dict[str, list[tuple[str, bool, bool]]] = {}
            for token in [*SEARCH_ENGINES, *others, "*"]:
                paths = _differences(own, theirs, token, moved)
                if paths:
                    differ[token] = paths
            if not differ:
                continue
            token, paths = next(iter(differ.items()))
            path, here, there = paths[0]
            who = "crawlers no group names" if token == "*" else label(token)
            verdict = {True: "allowed", False: "disallowed"}
            message = (
                f"{theirs.url} differs from {own.url} for {who}: {path} is {verdict[there]}"
                f" on the twin and {verdict[here]} on the site"
            )
            if theirs.robots is None:
                message += f" ({theirs.reason})"
            if moved:
                message += "; the twin redirects to the site, but not where it is disallowed"
            mine, other = own.crawler_rules(token), theirs.crawler_rules(token)
            yield Hit(
                theirs.url,
                message,
                {
                    "twin": theirs.url,
                    "site_robots": own.url,
                    "twin_outcome": theirs.outcome,
                    "twin_reason": theirs.reason,
                    "twin_redirects_to_site": moved,
                    "differs_for": [label(t) if t != "*" else "*" for t in differ],
                    "paths": [
                        {"path": p, "site": verdict[a], "twin": verdict[b]}
                        for p, a, b in paths[:MAX_LISTED]
                    ],
                    "only_on_twin": sorted(_rule_text(r) for r in other - mine)[:MAX_LISTED],
                    "only_on_site": sorted(_rule_text(r) for r in mine - other)[:MAX_LISTED],
                    "verify": robots_command(twin + path, "examplebot" if token == "*" else token),
                },
                cause=f"{theirs.url} differs from {own.url}",
            )
