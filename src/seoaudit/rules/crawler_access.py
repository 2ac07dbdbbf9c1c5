"""Crawler access (BOT): search and AI crawlers kept out by the server or by robots.txt.

Reads access.py: the crawler table (what each token is for), the declared crawler policy
(``crawler_policy``; an intended block is policy, not a problem), host-level robots.txt
verdicts and the user-agent probe compared with its browser baseline. The BOT rules and
the access matrix in the reports therefore always agree.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from seoaudit.access import (
    KNOWN_CRAWLERS,
    PROBE_LIMIT_NOTE,
    ProbeDifference,
    crawler_policy,
    host_access,
    internal_robots,
    label,
    probe_differences,
)
from seoaudit.models import AccessVerdict
from seoaudit.robots import RobotsFile
from seoaudit.rules.common import robots_cause, robots_command, robots_line
from seoaudit.rules.registry import Hit, rule

if TYPE_CHECKING:
    from seoaudit.site import RobotsOutcome, Site

SEARCH_PROFILES = ("googlebot", "bingbot")
# Tokens whose rules do nothing: deprecated or never used by a crawler (rules-kb.md 1.7).
DEAD_TOKENS: dict[str, str] = {
    "anthropic-ai": "ClaudeBot",
    "claude-web": "ClaudeBot (training) or Claude-User (user fetches)",
    "chatgpt": "GPTBot, OAI-SearchBot or ChatGPT-User",
    "openai": "GPTBot, OAI-SearchBot or ChatGPT-User",
    "googlebot-extended": "Google-Extended",
    "google-gemini": "Google-Extended",
    "bard": "Google-Extended",
}
# Fetchers acting for a person: they may ignore robots.txt (Claude-User documents that it
# honours it, so it is not listed).
USER_FETCHERS = ("chatgpt-user", "perplexity-user", "meta-externalfetcher")


def _curl(diff: ProbeDifference) -> str:
    agent = str(diff.evidence.get(diff.profile, {}).get("user_agent") or diff.token)
    return (
        f"curl -s -o /dev/null -w '%{{http_code}}' -A {shlex.quote(agent)} {shlex.quote(diff.url)}"
    )


@rule(
    "BOT001",
    "search-crawler-refused-by-server",
    severity="error",
    scope="site",
    group="{count} URLs: {cause}",
)
def search_crawler_refused_by_server(site: Site) -> Iterator[Hit]:
    """The server answers Googlebot or Bingbot differently from a browser: refused or changed.

    ## What it does
    After the crawl, a few pages of each site section are fetched again as a browser, as
    Googlebot and as Bingbot (the user-agent strings the engines send). A section is
    flagged when the crawler gets 401, 403, 429, a 5xx or a network error, another status,
    a challenge or "access denied" page served with 200, a noindex the browser does not
    get (errors), or a different redirect, canonical or content (warnings), while the
    browser gets a normal 200 page. URLs disallowed for the crawler by robots.txt are not
    fetched as it. Issues group by crawler and answer.

    A user-agent probe cannot reproduce IP-verified allow-lists: a firewall that admits
    verified Googlebot IPs and refuses anything else claiming to be Googlebot looks the
    same from here. Confirm in Search Console (URL Inspection live test, Crawl stats).

    ## Why it matters
    Pages that answer 4xx to a crawler drop out of the index over time; 429 and 5xx make
    the crawler slow down for the whole host; a challenge page served with 200 gets
    indexed instead of the content. This is how a WAF or rate-limit rule meant to protect
    uptime quietly removes a site from search.

    ## How to fix
    Allow verified crawlers at the CDN/WAF by their published IP ranges or reverse DNS
    (never by user agent alone), exempt them from bot challenges and rate limits, and
    serve them the same page as users.

    ## How to verify
    `curl -s -o /dev/null -w '%{http_code}' -A '<crawler user agent>' <url>` (the
    finding's `verify` gives the exact command) answers 200; Search Console's URL
    Inspection live test fetches the page.

    ## Source
    Google Search Central: "How HTTP status codes, and network and DNS errors affect
    Google Search"; "Verifying Googlebot and other Google crawlers"; Bing Webmaster
    Guidelines ("Verify Bingbot").
    """
    policy = crawler_policy(site)
    for diff in probe_differences(site):
        if diff.profile not in SEARCH_PROFILES or policy.get(diff.token) == "block":
            continue
        name = label(diff.token)
        yield Hit(
            diff.url,
            f"{name} gets {diff.what} where a browser gets the page (section {diff.section}); "
            "a user-agent probe cannot tell whether verified crawler IPs get through",
            {
                "crawler": diff.token,
                "section": diff.section,
                "difference": diff.kind,
                **diff.evidence,
                "limitation": PROBE_LIMIT_NOTE,
                "verify": _curl(diff),
            },
            cause=f"{name} user agent gets {diff.what}",
            severity=diff.severity,
        )


def _blocked_hosts(
    site: Site, tokens: list[str]
) -> Iterator[tuple[RobotsOutcome, RobotsFile, str, list[tuple[str, AccessVerdict]]]]:
    """Per audited host and deciding line: the tokens that may not crawl the host at all,
    and the cause naming that line (``robots_cause``)."""
    for row, robots_file in internal_robots(site):
        if robots_file.robots is None:
            continue  # unreachable or missing robots.txt: ROB001 / ROB002
        by_line: dict[int | None, list[tuple[str, AccessVerdict]]] = {}
        for token in tokens:
            access = host_access(site, robots_file, row.origin, token)
            if access.verdict == "blocked":
                by_line.setdefault(access.line, []).append((token, access))
        for blocked in by_line.values():
            yield row, robots_file, robots_cause(row.url, blocked[0][1].rule), blocked


def _tokens(kind: str) -> list[str]:
    return [t for t, c in KNOWN_CRAWLERS.items() if c.kind == kind]


@rule(
    "BOT002",
    "ai-search-crawler-blocked",
    severity="warning",
    scope="site",
    group="AI search crawlers disallowed ({cause})",
)
def ai_search_crawler_blocked(site: Site) -> Iterator[Hit]:
    """robots.txt keeps an AI search or answer crawler out of the whole site.

    ## What it does
    Decides, for each audited host, whether OAI-SearchBot, Claude-SearchBot,
    PerplexityBot, Applebot, meta-webindexer and Amazonbot may fetch the home page and
    the sampled URLs of every section; flags those disallowed everywhere, grouped by the
    deciding line. A crawler declared as an intended block (`--intended-block
    perplexitybot`) is policy and not flagged.

    ## Why it matters
    These crawlers build the indexes that assistants cite. A site they may not crawl is
    not shown in their answers (OpenAI states that opted-out sites are not shown in
    ChatGPT search answers), which loses visits as more searches start in assistants.

    ## How to fix
    Add a named group with `Allow: /` for the search and answer crawlers you want to be
    cited by, and keep training crawlers (GPTBot, ClaudeBot, CCBot, Google-Extended) in
    their own groups if you block them.

    ## How to verify
    `seoaudit robots <origin>/ --as oai-searchbot` prints "allowed".

    ## Source
    OpenAI, "Overview of OpenAI Crawlers"; Anthropic, "Does Anthropic crawl data from the
    web"; Perplexity, "Perplexity Crawlers"; Apple, "About Applebot".
    """
    policy = crawler_policy(site)
    tokens = [t for t in _tokens("ai-search") if policy.get(t) != "block"]
    for row, _, cause, blocked in _blocked_hosts(site, tokens):
        names = [label(t) for t, _ in blocked]
        first = blocked[0][1]
        yield Hit(
            row.url,
            f"{', '.join(names)} may not crawl {row.origin} (line {first.line}: {first.rule}): "
            "the site cannot be cited in their answers",
            {
                "crawlers": names,
                "line": first.line,
                "rule": first.rule,
                "verify": robots_command(row.origin + "/", blocked[0][0]),
            },
            cause=cause,
        )


@rule(
    "BOT003",
    "ai-training-crawler-policy",
    severity="notice",
    scope="site",
    group="Crawler policy: {cause}",
)
def ai_training_crawler_policy(site: Site) -> Iterator[Hit]:
    """AI training crawlers blocked without a declared policy, or a declared policy not in force.

    ## What it does
    Reports the access of AI training crawlers (GPTBot, ClaudeBot, CCBot,
    Applebot-Extended, meta-externalagent, Bytespider) as a policy question:

    - blocked by robots.txt, or refused by the server (user-agent probe as GPTBot), with
      no declared policy: a notice asking to confirm it (declare it with
      `--intended-block gptbot` and it becomes policy);
    - declared "allow" but blocked: a warning;
    - declared "block" (any crawler) but robots.txt allows the whole site and the server
      did not refuse it: a warning, because the intended block is not in force.

    Google-Extended has its own note (BOT007).

    ## Why it matters
    Blocking training crawlers is a business and legal choice, not an SEO defect, and it
    does not remove the site from those vendors' search features. What matters is that
    the setup matches the decision: an unintended block or an intended block that does
    not work.

    ## How to fix
    Decide the policy and express it with one robots.txt group per token
    (`User-agent: GPTBot` / `Disallow: /`); declare it to seoaudit with `--intended-block`.

    ## How to verify
    `seoaudit robots <origin>/ --as gptbot` prints the verdict the policy intends.

    ## Source
    OpenAI, "Overview of OpenAI Crawlers"; Anthropic, "Does Anthropic crawl data from the
    web"; Common Crawl FAQ; Apple, "About Applebot".
    """
    policy = crawler_policy(site)
    training = [t for t in _tokens("ai-training") if t != "google-extended"]
    undeclared = [t for t in training if t not in policy]
    for row, _, _, blocked in _blocked_hosts(site, undeclared):
        names = [label(t) for t, _ in blocked]
        first = blocked[0][1]
        yield Hit(
            row.url,
            f"{', '.join(names)} disallowed by line {first.line}: {first.rule}: if this "
            f"is intended, declare it (--intended-block {blocked[0][0]})",
            {"crawlers": names, "cause": robots_line(row.url, first.line, first.rule)},
            cause=f"undeclared block of {', '.join(names)}",
        )
    declared_allow = [t for t, v in policy.items() if v == "allow"]
    for row, _, _, blocked in _blocked_hosts(site, declared_allow):
        names = [label(t) for t, _ in blocked]
        first = blocked[0][1]
        where = robots_line(row.url, first.line, first.rule)
        yield Hit(
            row.url,
            f"{', '.join(names)} declared allowed but disallowed ({where})",
            {"crawlers": names, "cause": where},
            cause=f"declared allow not in force for {', '.join(names)}",
            severity="warning",
        )
    yield from _server_policy(site, policy)
    yield from _declared_block_not_in_force(site, policy)


def _server_policy(site: Site, policy: Mapping[str, str]) -> Iterator[Hit]:
    for diff in probe_differences(site):
        if diff.profile in SEARCH_PROFILES or diff.kind not in ("refused", "challenge"):
            continue
        declared = policy.get(diff.token)
        if declared == "block":
            continue
        name = label(diff.token)
        yield Hit(
            diff.url,
            f"The server refuses {name} ({diff.what}) while a browser gets the page"
            + ("" if declared else f": if intended, declare it (--intended-block {diff.token})"),
            {**diff.evidence, "limitation": PROBE_LIMIT_NOTE, "verify": _curl(diff)},
            cause=f"server refuses {name} ({diff.what})",
            severity="warning" if declared == "allow" else None,
        )


def _declared_block_not_in_force(site: Site, policy: Mapping[str, str]) -> Iterator[Hit]:
    refused = {d.token for d in probe_differences(site) if d.kind in ("refused", "challenge")}
    for token, declared in sorted(policy.items()):
        if declared != "block" or token in refused:
            continue
        for row, robots_file in internal_robots(site):
            access = host_access(site, robots_file, row.origin, token)
            if access.verdict == "allowed":
                yield Hit(
                    row.url,
                    f"{label(token)} is declared an intended block, but robots.txt allows it "
                    f"on {row.origin}",
                    {"crawler": token, "verify": robots_command(row.origin + "/", token)},
                    cause=f"declared block not in force for {label(token)}",
                    severity="warning",
                )


# Search engines a `*` group shuts out when no group names them (robots.py KNOWN_TOKENS):
# examples for the message of BOT004, beyond the crawlers of the access table.
OTHER_SEARCH_ENGINES = {
    "duckduckbot": "DuckDuckBot",
    "yandexbot": "YandexBot",
    "baiduspider": "Baiduspider",
}
ANY_OTHER_CRAWLER = "*"  # host_access: a token no group names reads the `*` group


def _name(token: str) -> str:
    return OTHER_SEARCH_ENGINES.get(token) or label(token)


@rule(
    "BOT004",
    "robots-allow-list-shuts-out-other-crawlers",
    severity="warning",
    scope="site",
    group="robots.txt allow-list ({cause})",
)
def robots_allow_list_shuts_out_other_crawlers(site: Site) -> Iterator[Hit]:
    """robots.txt disallows the whole site in the `*` group and lets only the crawlers it names in.

    ## What it does
    Flags hosts whose robots.txt has `User-agent: *` with `Disallow: /` (the home page and
    every sampled URL disallowed for a crawler no group names) while one or more named
    groups let Googlebot or other crawlers in: an allow-list. Names the crawlers let in
    and the known search and answer crawlers left out. A declared allow-list
    (`--intended-block '*'`, or `"*" = "block"` under `[crawler_policy]`) is policy and
    not flagged.

    ## Why it matters
    Every crawler the file does not name is shut out: Bing (whose index also feeds
    Copilot, DuckDuckGo and Yahoo), Applebot (Siri, Spotlight, Safari), the AI search
    crawlers, regional search engines and any crawler launched later. Such allow-lists are
    usually written to keep "bad bots" out, but bad bots ignore robots.txt; only the
    well-behaved crawlers that bring visitors obey it.

    ## How to fix
    Invert the file: let `*` crawl (drop `Disallow: /` or replace it with the paths that
    must stay private) and disallow by name the crawlers you do not want, enforcing real
    blocks at the firewall. If the allow-list is wanted, name every search and answer
    crawler you want visits from (at least Bingbot and Applebot) and declare it with
    `--intended-block '*'`.

    ## How to verify
    `seoaudit robots <origin>/ --as bingbot` and `--as duckduckbot` print "allowed".

    ## Source
    Google Search Central, "How Google interprets the robots.txt specification" (group
    selection: a crawler obeys the most specific group naming it, else `*`); RFC 9309
    section 2.2.1; Bing Webmaster Guidelines.
    """
    if crawler_policy(site).get(ANY_OTHER_CRAWLER) == "block":
        return
    for row, robots_file in internal_robots(site):
        robots = robots_file.robots
        if robots is None or "*" not in robots.agents():
            continue
        rest = host_access(site, robots_file, row.origin, ANY_OTHER_CRAWLER)
        if rest.verdict != "blocked":
            continue
        named = sorted(robots.agents() - {"*"})
        let_in = [
            a for a in named if host_access(site, robots_file, row.origin, a).verdict != "blocked"
        ]
        if not let_in:
            continue  # nobody may crawl: ROB007's whole-site block, not an allow-list
        left_out = [
            token
            for token, crawler in KNOWN_CRAWLERS.items()
            if crawler.kind in ("search", "ai-search")
            and host_access(site, robots_file, row.origin, token).verdict == "blocked"
        ]
        others = [token for token in OTHER_SEARCH_ENGINES if token not in named]
        shut_out = [_name(t) for t in left_out + others]
        where = robots_line(row.url, rest.line, rest.rule)
        yield Hit(
            row.url,
            f"robots.txt lets only {', '.join(_name(a) for a in let_in[:8])}"
            f"{' and others' if len(let_in) > 8 else ''} crawl {row.origin}: "
            f"line {rest.line} ({rest.rule}) shuts out every crawler it does not name"
            + (f" ({', '.join(shut_out[:8])} among them)" if shut_out else ""),
            {
                "line": rest.line,
                "rule": rest.rule,
                "cause": where,
                "let_in": [_name(a) for a in let_in[:50]],
                "shut_out": shut_out,
                "verify": robots_command(row.origin + "/", (left_out + others + ["anybot"])[0]),
            },
            cause=robots_cause(row.url, rest.rule),
        )


@rule("BOT005", "robots-group-for-dead-token", severity="notice", scope="site")
def robots_group_for_dead_token(site: Site) -> Iterator[Hit]:
    """robots.txt has a group for a crawler token that no crawler uses.

    ## What it does
    Flags groups naming deprecated or invented tokens: `anthropic-ai`, `Claude-Web`,
    `ChatGPT`, `OpenAI`, `Googlebot-Extended`, `Google-Gemini`, `Bard`, and names the
    token that does the job.

    ## Why it matters
    The owner believes the crawler is blocked; it is not, because no crawler reads that
    group.

    ## How to fix
    Replace the token with the current one (e.g. `ClaudeBot`, `GPTBot`,
    `Google-Extended`).

    ## How to verify
    `seoaudit robots <origin>/ --as <current token>` prints the intended verdict.

    ## Source
    Anthropic, "Does Anthropic crawl data from the web"; OpenAI, "Overview of OpenAI
    Crawlers"; Google, "Overview of Google crawlers and fetchers" (Google-Extended).
    """
    for row, robots_file in internal_robots(site):
        robots = robots_file.robots
        if robots is None:
            continue
        for agent in sorted(robots.agents() & set(DEAD_TOKENS)):
            yield Hit(
                row.url,
                f"User-agent: {agent} names no current crawler: use {DEAD_TOKENS[agent]}",
                {"token": agent, "use_instead": DEAD_TOKENS[agent]},
                cause=f"{row.url}: User-agent {agent}",
            )


@rule("BOT006", "robots-rule-for-user-fetcher", severity="notice", scope="site")
def robots_rule_for_user_fetcher(site: Site) -> Iterator[Hit]:
    """robots.txt disallows a fetcher that acts for a person and may ignore robots.txt.

    ## What it does
    Flags `Disallow` rules in groups naming ChatGPT-User, Perplexity-User or
    meta-externalfetcher.

    ## Why it matters
    These fetch a page because a person asked an assistant for it; their operators say
    robots.txt may not apply. The rule is a statement, not a control.

    ## How to fix
    If the block is required, enforce it at the edge (firewall rules on the operators'
    published IP ranges); otherwise remove the group.

    ## How to verify
    The firewall refuses requests from the operator's published IP ranges.

    ## Source
    OpenAI, "Overview of OpenAI Crawlers" (ChatGPT-User); Perplexity, "Perplexity
    Crawlers" (Perplexity-User); Meta, "Meta Web Crawlers".
    """
    for row, robots_file in internal_robots(site):
        robots = robots_file.robots
        if robots is None:
            continue
        for agent in USER_FETCHERS:
            if agent not in robots.agents():
                continue
            disallows = [r for r in robots.rules_for(agent) if not r.allow and r.pattern]
            if disallows:
                yield Hit(
                    row.url,
                    f"{label(agent)} is disallowed (line {disallows[0].line}), but it fetches "
                    "for a person and may ignore robots.txt",
                    {"token": agent, "lines": [r.line for r in disallows[:20]]},
                    cause=f"{row.url}: {agent}",
                )


@rule("BOT007", "google-extended-is-not-search", severity="notice", scope="site")
def google_extended_is_not_search(site: Site) -> Iterator[Hit]:
    """Google-Extended is disallowed: it does not keep pages out of Search or AI Overviews.

    ## What it does
    Notes hosts whose robots.txt disallows Google-Extended everywhere while Googlebot may
    crawl.

    ## Why it matters
    Google-Extended only controls whether content crawled by Google may be used to train
    and ground Gemini models. It does not remove pages from Google Search, AI Overviews or
    AI Mode; those are controlled by `nosnippet`, `max-snippet`, `data-nosnippet` or
    `noindex`. Owners often believe otherwise.

    ## How to fix
    Nothing to fix if the goal is Gemini training; to keep content out of AI Overviews,
    use the snippet controls on the pages concerned.

    ## How to verify
    `seoaudit robots <origin>/ --as google-extended` prints the intended verdict.

    ## Source
    Google, "Overview of Google crawlers and fetchers" (Google-Extended); Google Search
    Central, "Robots meta tag ... specifications" (nosnippet and AI features).
    """
    for row, _, cause, blocked in _blocked_hosts(site, ["google-extended"]):
        robots_file = site.robots_file(row.url)
        if robots_file is None:
            continue
        if host_access(site, robots_file, row.origin, "googlebot").verdict == "blocked":
            continue
        first = blocked[0][1]
        yield Hit(
            row.url,
            f"Google-Extended is disallowed (line {first.line}): this opts out of Gemini "
            "training only, not of Search, AI Overviews or AI Mode",
            {"line": first.line, "rule": first.rule},
            cause=cause,
        )
