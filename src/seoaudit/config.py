"""Settings: every knob of a run, with its default, in one place.

The CLI builds a ``Settings`` from its flags; later a seoaudit.toml / [tool.seoaudit] file
and SEOAUDIT_* environment variables feed the same model. Nothing else in the program
invents a default: modules read the values they are given.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from seoaudit import USER_AGENT

FailOn = Literal["error", "warning", "notice", "never"]

# Googlebot reads the first 2 MB of an HTML or text file (uncompressed) and ignores the
# rest (Google Search Central, "Googlebot", changed Feb 2026).
GOOGLEBOT_HTML_LIMIT = 2 * 1024 * 1024


class CrawlSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    include: list[str] = Field(default_factory=list)  # regexes; a URL must match one
    exclude: list[str] = Field(default_factory=list)  # regexes; a URL matching one is skipped
    max_pages: int = Field(default=10_000, ge=1)
    max_depth: int | None = Field(default=None, ge=0)
    crawler: str = "googlebot"  # robots.txt product token the audit obeys and reports for
    ignore_robots: bool = False  # fetch disallowed URLs anyway (still reported as blocked)
    user_agent: str = USER_AGENT
    concurrency: int = Field(default=16, ge=1, le=512)  # requests in flight, all hosts
    per_host: int = Field(default=4, ge=1, le=256)  # requests in flight per host
    rps: float | None = Field(default=None, gt=0)  # requests per second per host
    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=15.0, gt=0)  # idle time between bytes
    deadline: float = Field(default=30.0, gt=0)  # total time for one request (each hop)
    retries: int = Field(default=2, ge=0, le=10)  # for 429, 503 and network errors
    max_retry_wait: float = Field(default=30.0, ge=0)  # longest Retry-After honoured
    max_redirects: int = Field(default=10, ge=0, le=50)  # Googlebot follows up to 10 hops
    max_body: int = Field(default=GOOGLEBOT_HTML_LIMIT, ge=1024)  # decoded bytes kept per page
    sitemaps: bool = True  # discover and read sitemaps
    check_external: bool = False  # also check that external links answer (opt-in)
    max_checks: int = Field(default=2000, ge=0)  # URLs checked after the crawl (crawl/checks.py)
    # Crawl-trap bounds (crawl/traps.py): URLs beyond them are recorded and skipped.
    max_url_length: int = Field(default=2048, ge=64)
    max_query_variants: int = Field(default=50, ge=1)  # parameter-name combinations per path
    trap_depth_spread: int = Field(default=25, ge=1)  # levels deeper than a shape's first URL

    @field_validator("include", "exclude")
    @classmethod
    def _valid_regexes(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc
        return patterns


class Thresholds(BaseModel):
    """Tool conventions (not search-engine rules) that rules compare against. Every one is
    configurable; the defaults are the usual ones and each says where it comes from."""

    model_config = ConfigDict(extra="forbid")

    title_min_chars: int = 30  # SERP titles shorter than this waste space (tool convention)
    title_max_chars: int = 60  # ~600 px at Google's SERP font (tool convention)
    description_min_chars: int = 70
    description_max_chars: int = 160
    thin_content_words: int = 200  # visible words below which a page is thin
    slow_ttfb_ms: int = 800  # web.dev: TTFB good <= 0.8 s
    very_slow_ttfb_ms: int = 1800  # web.dev: TTFB poor > 1.8 s
    max_click_depth: int = 4  # pages deeper than this are hard to reach
    near_duplicate_bits: int = 3  # simhash Hamming distance for near duplicates (of 64)
    many_inlinks: int = 3  # a URL linked from this many pages counts as "heavily linked"


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start_urls: list[str] = Field(default_factory=list)
    crawl: CrawlSettings = Field(default_factory=CrawlSettings)
    run_dir: Path = Path(".seoaudit/runs")
    fail_on: FailOn = "error"
    select: list[str] = Field(default_factory=list)  # rule codes or prefixes to run
    ignore: list[str] = Field(default_factory=list)  # rule codes or prefixes to skip
    thresholds: Thresholds = Field(default_factory=Thresholds)

    def public_dict(self) -> dict[str, object]:
        """What reports may show: JSON-safe, and nothing secret."""
        data: dict[str, object] = json.loads(self.model_dump_json())
        return data

    def config_hash(self) -> str:
        payload = json.dumps(self.public_dict(), sort_keys=True).encode()
        return hashlib.sha256(payload).hexdigest()[:12]
