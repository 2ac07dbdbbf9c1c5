"""Settings: every knob of a run, with its default, in one place.

configfile.py builds a ``Settings`` from a seoaudit.toml / [tool.seoaudit] file, the CLI's
flags and SEOAUDIT_* environment variables, in that order of precedence. Nothing else in
the program invents a default: modules read the values they are given.
"""

from __future__ import annotations

import hashlib
import json
import re
import ssl
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from seoaudit import USER_AGENT
from seoaudit.impact import ImpactSettings

FailOn = Literal["error", "warning", "notice", "never"]

# Googlebot reads the first 2 MB of an HTML or text file (uncompressed) and ignores the
# rest (Google Search Central, "Googlebot", changed Feb 2026).
GOOGLEBOT_HTML_LIMIT = 2 * 1024 * 1024


class BasicAuth(BaseModel):
    """HTTP basic-auth credentials for a protected (e.g. staging) site. Read only from the
    environment (configfile.py: SEOAUDIT_AUTH or SEOAUDIT_AUTH_USER/_PASSWORD), sent only to
    ``origins`` (those of the start URLs), and never dumped: ``CrawlSettings.auth`` is
    excluded from every serialisation, so no report and no run file can contain them."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    user: SecretStr
    password: SecretStr
    origins: list[str] = Field(default_factory=list)  # scheme://host[:port], lower-case


class CrawlSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

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
    adaptive: bool = True  # back off by itself on 429/503, rising errors, slower responses
    # Processes that parse pages beside the crawler (-1: one per extra core; 0: inline).
    extract_workers: int = Field(default=-1, ge=-1, le=16)
    max_error_rate: float = Field(default=0.5, gt=0, le=1)  # of the last 100: stop beyond
    # Seconds a host may answer nothing but 429/503 before the crawl stops (each answer
    # pauses the host for its Retry-After, so the error rate alone would take an hour).
    max_throttled_time: float = Field(default=120.0, gt=0)
    respect_crawl_delay: bool = False  # honour robots.txt crawl-delay (Google ignores it)
    max_checks: int = Field(default=2000, ge=0)  # URLs checked after the crawl (crawl/checks.py)
    # Crawl-trap bounds (crawl/traps.py): URLs beyond them are recorded and skipped.
    max_url_length: int = Field(default=2048, ge=64)
    max_query_variants: int = Field(default=50, ge=1)  # parameter-name combinations per path
    # URLs per path that only recombine parameter values already seen there (facets)
    max_filter_combinations: int = Field(default=500, ge=1)
    trap_depth_spread: int = Field(default=25, ge=1)  # levels deeper than a shape's first URL
    # After the crawl (crawl/probe.py): fetch a small sample of each section as a browser,
    # Googlebot, Bingbot and an AI crawler to find server-level blocks; and read the
    # robots.txt of the few hosts that serve most render-critical CSS/JS.
    probe: bool = True
    resource_robots_hosts: int = Field(default=5, ge=0, le=20)
    # PEM file of extra certificate authorities to trust besides the public ones (a
    # company's internal CA for a staging site); certificates are always verified. Read
    # when a crawl starts (``ca_bundle_problem``), not when stored settings are loaded:
    # a stored run stays readable after the file is gone.
    ca_bundle: Path | None = None
    # Secret: excluded from model_dump/public_dict and from repr (see BasicAuth).
    auth: BasicAuth | None = Field(default=None, exclude=True, repr=False)

    @field_validator("include", "exclude")
    @classmethod
    def _valid_regexes(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc
        return patterns


def ca_bundle_problem(path: Path | None) -> str | None:
    """Why ``path`` cannot serve as ``crawl.ca_bundle`` (None when it can, or is unset)."""
    if path is None:
        return None
    try:
        ssl.create_default_context().load_verify_locations(cafile=str(path))
    except (OSError, ssl.SSLError, ValueError) as exc:
        return f"{path}: not a readable PEM file of CA certificates ({exc})"
    return None


class Thresholds(BaseModel):
    """Tool conventions (not search-engine rules) that rules compare against. Every one is
    configurable; the defaults are the usual ones and each says where it comes from."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    title_min_chars: int = Field(default=30, ge=0)  # shorter SERP titles waste space
    title_max_chars: int = Field(default=60, ge=1)  # ~600 px at Google's SERP font
    description_min_chars: int = Field(default=70, ge=0)
    description_max_chars: int = Field(default=160, ge=1)
    alt_max_chars: int = Field(default=125, ge=1)  # longer alt text is a paragraph
    stuffing_repeats: int = Field(default=3, ge=2)  # one word this often in a title: stuffing
    thin_content_words: int = Field(default=200, ge=0)  # main-content words below: thin
    slow_ttfb_ms: int = Field(default=800, ge=0)  # web.dev: TTFB good <= 0.8 s
    very_slow_ttfb_ms: int = Field(default=1800, ge=0)  # web.dev: TTFB poor > 1.8 s
    max_click_depth: int = Field(default=4, ge=0)  # pages deeper than this are hard to reach
    near_duplicate_bits: int = Field(default=3, ge=0, le=64)  # simhash distance (of 64 bits)
    many_inlinks: int = Field(default=3, ge=1)  # linked from this many pages: "heavily linked"
    heavy_html_kb: int = Field(default=1024, ge=1)  # uncompressed HTML above this is heavy
    render_blocking_stylesheets: int = Field(default=2, ge=0)  # more in <head> are flagged
    # One CSS/JS/image file referenced with this many generated query values (timestamps,
    # random tokens) that differ between pages: per-page URLs (PERF011, tool convention).
    asset_url_variants: int = Field(default=3, ge=2)
    sitemap_error_share: float = Field(default=0.1, ge=0, le=1)  # a sitemap's failing share
    soft_404_same_page: int = Field(default=3, ge=2)  # URLs answering one identical thin page
    # Share of a host's requests answering 5xx, 429 or nothing (retries included): from
    # this share a warning, from the second an error (tool convention, rules-kb PERF-001).
    server_error_share: float = Field(default=0.01, ge=0, le=1)
    high_server_error_share: float = Field(default=0.05, ge=0, le=1)
    # A linked file above this size, open to crawlers while the server is short of crawl
    # capacity, is worth keeping out of the crawl (PERF012; Google's "e.g." is 5 MB files).
    large_file_mb: float = Field(default=5.0, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        """A lower bound above its upper one would flag every page (or none): a typo."""
        for low, high in (
            ("title_min_chars", "title_max_chars"),
            ("description_min_chars", "description_max_chars"),
            ("slow_ttfb_ms", "very_slow_ttfb_ms"),
            ("server_error_share", "high_server_error_share"),
        ):
            if getattr(self, low) > getattr(self, high):
                raise ValueError(
                    f"{low} ({getattr(self, low)}) is above {high} ({getattr(self, high)})"
                )
        return self


# -- CI: budgets, KPIs, suppressions and the gate (applied by gate.py) ------------------

RuleSeverity = Literal["error", "warning", "notice"]
Level = Literal["error", "warn"]  # error: a breach fails the run; warn: it is only reported
# The run's KPIs, as kpis.py defines them (shares are 0..1; TTFB percentiles over HTML 200
# pages, in milliseconds).
KpiMetric = Literal[
    "indexable_share",
    "crawl_blocked_share",
    "canonical_health",
    "structured_data_health",
    "structured_data_coverage",
    "error_rate",
    "ttfb_p50_ms",
    "ttfb_p90_ms",
    "ttfb_p95_ms",
    "ttfb_p99_ms",
]


def _check_regex(pattern: str | None) -> str | None:
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc
    return pattern


def rule_patterns(values: list[str]) -> list[str]:
    """Rule codes or prefixes as given (``HTTP``, ``HTTP00``, ``HTTP001``; ``"HTTP,ROB"``
    is two), upper-cased. An empty one, or one that no rule's code starts with, is an
    error: a misspelt ``--select`` would run no rule, and a gate with no rules passes."""
    from seoaudit.rules import REGISTRY  # the rules import this module's Thresholds

    patterns: list[str] = []
    for value in values:
        for part in value.split(","):
            pattern = part.strip().upper()
            if not pattern:
                raise ValueError(f"empty rule code in {value!r}")
            if not any(code.startswith(pattern) for code in REGISTRY):
                raise ValueError(
                    f"no rule code starts with {part.strip()!r} "
                    "(`seoaudit rules` lists the codes, e.g. HTTP001 or the prefix HTTP)"
                )
            if pattern not in patterns:
                patterns.append(pattern)
    return patterns


def rule_prefixes(patterns: Iterable[str]) -> tuple[str, ...]:
    """Rule codes or prefixes as ``str.startswith`` takes them: upper-cased (a stored
    run's settings may hold them in any case). Made once where many codes are tested."""
    return tuple(p.upper() for p in patterns)


def rule_matches(code: str, patterns: Iterable[str]) -> bool:
    """Whether rule ``code`` starts with one of ``patterns`` (codes or prefixes, like
    ruff's ``--select``; any case, as a stored run's settings may hold them)."""
    return code.startswith(rule_prefixes(patterns))


class Budget(BaseModel):
    """How many findings of a kind a run may have. Findings are chosen by rule code or
    prefix, minimum severity and a URL regex; limits are a count, a share of pages and a
    count of findings new since the baseline (gate.py documents the arithmetic)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str | None = None  # shown in CI reports; derived from the selectors when absent
    rules: list[str] = Field(default_factory=list)  # codes or prefixes; empty: every rule
    severity: RuleSeverity | None = None  # only findings at or above this severity
    urls: str | None = None  # regex searched in the URL (and in the pages of max_share)
    max_count: int | None = Field(default=None, ge=0)
    max_share: float | None = Field(default=None, ge=0, le=1)
    max_new: int | None = Field(default=None, ge=0)
    level: Level = "error"

    @field_validator("urls")
    @classmethod
    def _valid_regex(cls, pattern: str | None) -> str | None:
        return _check_regex(pattern)

    @field_validator("rules")
    @classmethod
    def _known_rules(cls, values: list[str]) -> list[str]:
        return rule_patterns(values)

    @model_validator(mode="after")
    def _has_a_limit(self) -> Budget:
        if self.max_count is None and self.max_share is None and self.max_new is None:
            raise ValueError("a budget needs max_count, max_share or max_new")
        return self


class Kpi(BaseModel):
    """A bound on one of the run's KPIs (kpis.py defines them; gate.py checks them)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    metric: KpiMetric
    min: float | None = None
    max: float | None = None
    name: str | None = None
    level: Level = "error"

    @model_validator(mode="after")
    def _has_a_bound(self) -> Kpi:
        if self.min is None and self.max is None:
            raise ValueError("a KPI needs min or max")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"{self.metric}: min {self.min} is above max {self.max}")
        bounds = [b for b in (self.min, self.max) if b is not None]
        if self.metric.endswith("_ms"):
            if any(b < 0 for b in bounds):
                raise ValueError(f"{self.metric} is in milliseconds: a bound cannot be negative")
        elif any(not 0 <= b <= 1 for b in bounds):  # "max = 5" meant 5% and never fails
            raise ValueError(f"{self.metric} is a share from 0 to 1: write 5% as 0.05")
        return self


class Suppression(BaseModel):
    """A hand-curated exception: findings it matches do not count against the gate. It
    says why, and may expire (then it no longer applies, and the run says so)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    rules: list[str] = Field(default_factory=list)  # codes or prefixes; empty: every rule
    urls: str | None = None  # regex searched in the URL
    fingerprint: str | None = None  # one finding, as in the baseline file
    reason: str = Field(min_length=1)
    expires: date | None = None  # last day it applies

    @field_validator("urls")
    @classmethod
    def _valid_regex(cls, pattern: str | None) -> str | None:
        return _check_regex(pattern)

    @field_validator("rules")
    @classmethod
    def _known_rules(cls, values: list[str]) -> list[str]:
        return rule_patterns(values)

    @model_validator(mode="after")
    def _matches_something(self) -> Suppression:
        if not self.rules and self.urls is None and self.fingerprint is None:
            raise ValueError("a suppression needs rules, urls or fingerprint")
        return self


class GateSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    baseline: Path | None = None  # baseline file (relative to the config file's folder)
    new_only: bool = True  # with a baseline, fail_on counts only findings new since it
    # More than this share of fetched URLs with a network error or a 5xx makes the run
    # inconclusive (exit 3): a release cannot be judged from error pages. Tool convention.
    max_fetch_error_share: float = Field(default=0.5, ge=0, le=1)
    # URLs quoted in a check's failure, spread over the issues (gate._Worst)
    top_urls: int = Field(default=5, ge=1, le=100)


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    start_urls: list[str] = Field(default_factory=list)
    crawl: CrawlSettings = Field(default_factory=CrawlSettings)
    run_dir: Path = Path(".seoaudit/runs")
    fail_on: FailOn = "error"
    select: list[str] = Field(default_factory=list)  # rule codes or prefixes to run
    ignore: list[str] = Field(default_factory=list)  # rule codes or prefixes to skip
    thresholds: Thresholds = Field(default_factory=Thresholds)
    impact: ImpactSettings = Field(default_factory=ImpactSettings)  # weights: see impact.py
    # Declared crawler policy: robots.txt product token -> "allow" or "block". An intended
    # block ("we block GPTBot on purpose") is reported as policy, not as a problem.
    crawler_policy: dict[str, Literal["allow", "block"]] = Field(default_factory=dict)
    # Per-URL ignores, like ruff's per-file-ignores: URL regex -> rule codes or prefixes.
    per_url_ignores: dict[str, list[str]] = Field(default_factory=dict)
    severity_overrides: dict[str, RuleSeverity] = Field(default_factory=dict)  # code/prefix
    budgets: list[Budget] = Field(default_factory=list)
    kpis: list[Kpi] = Field(default_factory=list)
    suppress: list[Suppression] = Field(default_factory=list)
    gate: GateSettings = Field(default_factory=GateSettings)
    reports: list[str] = Field(default_factory=list)  # FORMAT or FORMAT=PATH, as --report

    @field_validator("select", "ignore")
    @classmethod
    def _known_rules(cls, values: list[str]) -> list[str]:
        return rule_patterns(values)

    @field_validator("per_url_ignores")
    @classmethod
    def _valid_url_patterns(cls, ignores: dict[str, list[str]]) -> dict[str, list[str]]:
        for pattern in ignores:
            _check_regex(pattern)
        return {pattern: rule_patterns(codes) for pattern, codes in ignores.items()}

    @field_validator("severity_overrides")
    @classmethod
    def _known_override_rules(cls, overrides: dict[str, RuleSeverity]) -> dict[str, RuleSeverity]:
        # One key, one pattern: "HTTP,ROB" as a key would be two overrides in one.
        known: dict[str, RuleSeverity] = {}
        for key, severity in overrides.items():
            patterns = rule_patterns([key])
            if len(patterns) != 1:
                raise ValueError(f"one rule code or prefix per key, not {key!r}")
            known[patterns[0]] = severity
        return known

    @field_validator("crawler_policy")
    @classmethod
    def _lower_tokens(
        cls, policy: dict[str, Literal["allow", "block"]]
    ) -> dict[str, Literal["allow", "block"]]:
        # robots.txt product tokens compare case-insensitively (RFC 9309 2.2.1).
        return {token.strip().lower(): value for token, value in policy.items() if token.strip()}

    def public_dict(self) -> dict[str, object]:
        """What reports may show: JSON-safe, and nothing secret."""
        data: dict[str, object] = json.loads(self.model_dump_json())
        return data

    def config_hash(self) -> str:
        payload = json.dumps(self.public_dict(), sort_keys=True).encode()
        return hashlib.sha256(payload).hexdigest()[:12]
