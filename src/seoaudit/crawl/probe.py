"""Post-crawl probes: what the server answers to crawlers, and robots.txt of resource hosts.

Two bounded steps run after the crawl, through the crawl's own politeness:

- **User-agent probe.** While the crawl runs, ``take`` keeps the first few HTML pages
  that answered 200 in each site section (first path segment): at most ``PER_SECTION``
  URLs in ``PROBED_SECTIONS`` sections. Afterwards each is fetched again as a browser, as
  Googlebot, as Bingbot and as an AI crawler (GPTBot), and what each got is stored
  (status, redirects, noindex, canonical, content fingerprint, a challenge-page marker).
  Rules compare them (access.py). A profile whose token robots.txt disallows for the URL
  is not fetched: robots.txt already answers for it, and we do not fetch what a site
  asked that crawler not to.

  A user-agent probe cannot reproduce IP-verified allow-lists: a firewall that lets
  verified Googlebot IPs through and refuses anything else claiming to be Googlebot looks
  exactly like a block from here. Findings say so.

- **Resource hosts.** The CSS and JavaScript a page needs may come from other hosts
  (CDNs), whose own robots.txt decides whether Google may fetch them. The robots.txt of
  the ``resource_robots_hosts`` hosts referenced most often is fetched and stored like
  the site's own, so RES rules can judge those resources.

Must not: judge. It records; rules read the records through ``Site.probes()`` and
``Site.robots_file()``.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from seoaudit.access import PROBED_SECTIONS, section_of
from seoaudit.config import Settings
from seoaudit.crawl.fetch import Fetcher
from seoaudit.crawl.urls import origin
from seoaudit.extract import extract
from seoaudit.indexing import canonical_target, is_noindex
from seoaudit.models import FetchResult, PageFacts
from seoaudit.robots import RobotsFile
from seoaudit.store import Store

PER_SECTION = 3  # URLs probed per section
PROBE_DEADLINE = 120.0  # seconds for the whole probe, whatever the server does
MAX_WORKERS = 4
MAX_RESOURCE_ORIGINS_SEEN = 200  # distinct resource hosts counted (memory bound)
CHALLENGE_SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class Profile:
    name: str
    token: str | None  # robots.txt product token; None for the browser baseline
    user_agent: str


# Current user-agent strings as the operators document them (Google "Googlebot"; Bing
# "Bingbot"; OpenAI "Overview of OpenAI Crawlers"). The browser is a current desktop Chrome.
PROFILES: tuple[Profile, ...] = (
    Profile(
        "browser",
        None,
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36",
    ),
    Profile(
        "googlebot",
        "googlebot",
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36 "
        "(compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    ),
    Profile(
        "bingbot",
        "bingbot",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
        "+http://www.bing.com/bingbot.htm) Chrome/126.0.0.0 Safari/537.36",
    ),
    Profile(
        "gptbot",
        "gptbot",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; GPTBot/1.2; "
        "+https://openai.com/gptbot",
    ),
)
CRAWLER_TOKENS = tuple(p.token for p in PROFILES if p.token)

# Markers of bot-challenge and block pages served by common CDNs and bot-management
# products (Cloudflare, Akamai, Imperva/Incapsula, DataDome, PerimeterX, Sucuri, AWS WAF).
# A marker only counts when the browser's copy of the same URL lacks it (access.py).
_CHALLENGE_BODY = re.compile(
    rb"just a moment\.\.\.|attention required! \| cloudflare|cf-chl-|/cdn-cgi/challenge-platform"
    rb"|_incapsula_resource|request unsuccessful\. incapsula|pardon our interruption"
    rb"|captcha-delivery\.com|px-captcha|g-recaptcha|h-captcha|hcaptcha\.com"
    rb"|verify you are (?:a )?human|are you a robot|unusual traffic from your"
    rb"|access denied|you don't have permission to access|request blocked"
    rb"|sucuri website firewall|bot detection",
    re.IGNORECASE,
)
_CHALLENGE_HEADERS: tuple[tuple[str, str | None], ...] = (
    ("cf-mitigated", "challenge"),
    ("x-amzn-waf-action", None),
    ("x-datadome", None),
)


def challenge_marker(result: FetchResult) -> str | None:
    """What marks a response as a bot challenge or block page, if anything does."""
    for name, value in _CHALLENGE_HEADERS:
        seen = result.header(name)
        if seen is not None and (value is None or value in seen.lower()):
            return f"{name}: {seen[:60]}"
    found = _CHALLENGE_BODY.search(result.body[:CHALLENGE_SNIFF_BYTES])
    return found[0].decode("ascii", "replace").lower() if found else None


def _record(profile: Profile, url: str, result: FetchResult) -> dict[str, Any]:
    facts = extract(result)
    return {
        **_identity(profile, url),
        "status": result.status,
        "error": result.error,
        "final_url": result.final_url,
        "redirects": len(result.hops),
        "noindex": {token: is_noindex(facts, token) for token in CRAWLER_TOKENS},
        "canonical": canonical_target(facts),
        "fingerprint": facts.fingerprint,
        "simhash": facts.simhash,
        "word_count": facts.word_count,
        "title": (facts.title or "")[:200],
        "challenge": challenge_marker(result) if result.status is not None else None,
        "skipped": None,
    }


def _skipped(profile: Profile, url: str, why: str) -> dict[str, Any]:
    return {**_identity(profile, url), "skipped": why}


def _identity(profile: Profile, url: str) -> dict[str, Any]:
    """What every probe record starts with: the URL, its section and who asked."""
    return {
        "url": url,
        "section": section_of(url),
        "profile": profile.name,
        "token": profile.token,
        "user_agent": profile.user_agent,
    }


# What the prober needs of a page: its URL, whether it may be sampled (an HTML page that
# answered 200) and the URLs of the stylesheets and scripts it needs to render.
Offering = tuple[str, bool, tuple[str, ...]]


def offering(facts: PageFacts) -> Offering:
    sampled = facts.status == 200 and facts.is_html and facts.error is None
    render = tuple(
        r.url for r in facts.resources if r.url is not None and r.kind in ("stylesheet", "script")
    )
    return facts.url, sampled, render


class Prober:
    """Collects bounded samples during the crawl (``offer``) and probes after it (``run``)."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.crawl = settings.crawl
        self.store = store
        self.transport = transport
        self.sample: dict[tuple[str, str], list[str]] = {}  # (origin, section) -> URLs
        self.resource_origins: Counter[str] = Counter()

    # -- during the crawl (hot path: cheap and bounded) ---------------------------------

    def take(self, offer: Offering) -> None:
        """Consider one recorded page, from what ``offering`` kept of its facts."""
        url, sampled, render_urls = offer
        page_origin = origin(url)
        if sampled:
            key = (page_origin, section_of(url))
            urls = self.sample.get(key)
            if urls is None and len(self.sample) < PROBED_SECTIONS:
                urls = self.sample[key] = []
            if urls is not None and len(urls) < PER_SECTION:
                urls.append(url)
        for resource_url in render_urls:
            host = origin(resource_url)
            if host != page_origin and (
                host in self.resource_origins
                or len(self.resource_origins) < MAX_RESOURCE_ORIGINS_SEEN
            ):
                self.resource_origins[host] += 1

    # -- after the crawl -------------------------------------------------------------------

    async def run(
        self,
        fetcher: Fetcher,
        robots: Mapping[str, RobotsFile],
        ensure_robots: Callable[[str], Awaitable[RobotsFile]],
        interrupted: Callable[[], bool],
        requested: Callable[[], None],
    ) -> None:
        """Both steps. ``requested`` is called after each request they made (a profile
        skipped by robots.txt makes none): the crawl saves its footprint then, when its
        last save is old enough, so that a run killed meanwhile counts these requests."""
        await self._resource_robots(robots, ensure_robots, interrupted, requested)
        if self.crawl.probe and self.sample and not interrupted():
            await self._probe(fetcher, robots, interrupted, requested)

    async def _resource_robots(
        self,
        robots: Mapping[str, RobotsFile],
        ensure_robots: Callable[[str], Awaitable[RobotsFile]],
        interrupted: Callable[[], bool],
        requested: Callable[[], None],
    ) -> None:
        ranked = sorted(self.resource_origins.items(), key=lambda item: (-item[1], item[0]))
        for host, _ in ranked[: self.crawl.resource_robots_hosts]:
            if interrupted():
                return
            if host not in robots and host.startswith(("http://", "https://")):
                await ensure_robots(host)
                requested()

    async def _probe(
        self,
        fetcher: Fetcher,
        robots: Mapping[str, RobotsFile],
        interrupted: Callable[[], bool],
        requested: Callable[[], None],
    ) -> None:
        # One light fetcher per user agent, sharing the crawl's politeness, transport and
        # footprint (so the server team sees these requests in what the crawl cost them).
        fetchers = {
            p.name: Fetcher(
                self.crawl.model_copy(
                    update={"user_agent": p.user_agent, "retries": min(self.crawl.retries, 1)}
                ),
                fetcher.politeness,
                transport=self.transport,
                footprint=fetcher.footprint,
            )
            for p in PROFILES
        }
        # URL by URL, every profile in turn, so that the copies compared are close in time.
        tasks = [
            (url, profile) for urls in self.sample.values() for url in urls for profile in PROFILES
        ]
        tasks.reverse()  # popped from the end
        records: list[dict[str, Any]] = []

        async def worker() -> None:
            while tasks and not interrupted():
                url, profile = tasks.pop()
                record = await self._one(fetchers[profile.name], profile, url, robots)
                records.append(record)
                if record["skipped"] is None:
                    requested()

        try:
            async with asyncio.timeout(PROBE_DEADLINE):
                await asyncio.gather(*(worker() for _ in range(MAX_WORKERS)))
        except TimeoutError:
            pass  # keep what was probed: the deadline bounds the step, not the audit
        finally:
            for probe_fetcher in fetchers.values():
                await probe_fetcher.aclose()
            self.store.add_probes((r["url"], r["profile"], r) for r in records)

    @staticmethod
    async def _one(
        fetcher: Fetcher, profile: Profile, url: str, robots: Mapping[str, RobotsFile]
    ) -> dict[str, Any]:
        robots_file = robots.get(origin(url))
        if profile.token is not None and robots_file is not None:
            verdict = robots_file.verdict(profile.token, url)
            if not verdict.allowed:
                where = f"line {verdict.line}" if verdict.line else (verdict.reason or "")
                return _skipped(profile, url, f"disallowed by robots.txt {where}".strip())
        result = await fetcher.fetch(url, source="link")
        return _record(profile, url, result)
