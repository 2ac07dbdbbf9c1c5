"""The shared types: what the crawler saw, what rules read, what reports write.

Flow: ``FetchResult`` (crawl) -> ``PageFacts`` (extract) -> ``Finding`` (rules)
-> ``Issue`` (impact: grouped by root cause and ranked) -> ``Report``.

This module owns no behaviour beyond tiny derived properties. Every model is plain data
that serialises to JSON, so it can be stored in the run store and read back unchanged.
Facts keep where they came from (meta or header, head or body) and the raw value next to
the resolved one, so a finding can quote exactly what the page said.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

Severity = Literal["error", "warning", "notice"]
Scope = Literal["page", "site"]
# How a URL entered the crawl. "start" is a start URL given by the user.
Source = Literal["start", "link", "sitemap", "redirect", "canonical", "hreflang"]

SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "notice": 2}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------------------------------
# What the crawler saw
# ---------------------------------------------------------------------------------------


class Hop(_Model):
    """One redirect response: ``url`` answered ``status`` and pointed at ``location``."""

    url: str
    status: int
    location: str | None = None  # resolved absolute target; None when the header was missing


class RobotsVerdict(_Model):
    """The robots.txt decision for one URL and one crawler token."""

    allowed: bool
    agent: str  # the product token the verdict is for, e.g. "googlebot"
    line: int | None = None  # 1-based line of the deciding rule in robots.txt
    rule: str | None = None  # the deciding rule as written, e.g. "Disallow: /private/"
    robots_url: str | None = None  # the robots.txt that decided
    reason: str | None = None  # e.g. "robots.txt unreachable (503): Google assumes disallow all"


# FetchResult.error of a certificate check or TLS handshake that failed: a configuration
# problem of the host (rule ONP019), not an outage; never retried, never counted as load.
TLS_ERROR = "tls-error"


class FetchResult(_Model):
    """Everything one fetch of one URL produced. A failed fetch is a FetchResult with an
    ``error``, never an exception. ``body`` is carried only as far as extraction."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    url: str  # as requested
    final_url: str  # after redirects (equal to url without redirects)
    hops: list[Hop] = Field(default_factory=list)
    status: int | None = None  # status of the final response; None on a network error
    error: str | None = None  # e.g. "timeout", "connect-error", "redirect-loop"
    error_detail: str | None = None
    headers: list[tuple[str, str]] = Field(default_factory=list)  # names lower-cased
    body: bytes = Field(default=b"", exclude=True, repr=False)
    truncated: bool = False  # body cut at the size cap
    wire_bytes: int = 0  # bytes received on the wire for the final response
    size: int = 0  # decoded body size (before any cut)
    content_encoding: str | None = None
    ttfb: float | None = None  # seconds to the final response's first byte
    total: float | None = None  # seconds for the whole fetch, redirects included
    download: float | None = None  # seconds from the final response's first byte to its end
    depth: int = 0
    source: Source = "link"
    attempts: int = 1  # requests made for the final response (retries included)
    # Why a redirect chain was not followed further: "out-of-scope", "blocked-by-robots",
    # "already-crawled". The chain's last hop then points at final_url, unfetched.
    redirect_stop: str | None = None

    def header(self, name: str) -> str | None:
        """First value of a header (case-insensitive), or None."""
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def header_values(self, name: str) -> list[str]:
        name = name.lower()
        return [value for key, value in self.headers if key == name]


# ---------------------------------------------------------------------------------------
# What rules read
# ---------------------------------------------------------------------------------------


class Directive(_Model):
    """One robots directive statement: a ``<meta name=robots|googlebot|...>`` or one
    ``X-Robots-Tag`` header value. ``agent`` is "*" when it applies to every crawler."""

    source: Literal["meta", "header"]
    agent: str  # lower-cased crawler token ("googlebot"), or "*" for robots / no agent
    value: str  # as written
    tokens: list[str] = Field(default_factory=list)  # lower-cased: "noindex", "max-snippet:50"
    in_body: bool = False  # a meta found outside <head> (still read by Google)
    after_head_end: bool = False  # in <head> markup but after an element that ends <head>


class Canonical(_Model):
    source: Literal["head", "body", "header"]
    href: str  # as written
    url: str | None = None  # resolved absolute URL; None when it cannot be resolved
    after_head_end: bool = False  # in <head> markup but after an element that ends <head>
    attrs: dict[str, str] = Field(default_factory=dict)  # other attributes (hreflang, media...)


class Hreflang(_Model):
    source: Literal["head", "body", "header", "sitemap"]
    lang: str  # as written, e.g. "en-GB", "x-default"
    href: str
    url: str | None = None
    after_head_end: bool = False  # in <head> markup but after an element that ends <head>
    attrs: dict[str, str] = Field(default_factory=dict)  # other attributes (media, type...)


class Link(_Model):
    href: str  # as written
    url: str | None = None  # absolute, fragment dropped; None for javascript:, mailto:, junk
    rel: str = ""  # lower-cased rel attribute
    text: str = ""  # visible anchor text, whitespace collapsed, capped
    image_alt: str | None = None  # alt of an <img> inside the link (Google uses it as anchor)
    title: str | None = None  # title attribute, else aria-label: fallback anchor text
    nofollow: bool = False
    internal: bool = False  # same host as the page


class JsLink(_Model):
    """Navigation Google cannot follow (extract/jslinks.py): no ``<a href>`` to crawl."""

    kind: Literal["javascript-href", "no-href", "href-on-non-link", "onclick"]
    tag: str
    code: str  # the attribute as written, capped
    target: str | None = None  # the URL the code names, when it names one
    text: str = ""  # the element's text, whitespace collapsed, capped


class Resource(_Model):
    kind: Literal["script", "stylesheet", "image", "iframe", "other"]
    src: str  # as written
    url: str | None = None
    in_head: bool = False
    render_blocking: bool = False  # a classic script or stylesheet in <head>
    alt: str | None = None  # images: None when the attribute is missing
    width: str | None = None
    height: str | None = None
    loading: str | None = None
    decorative: bool = False  # images: role=presentation/none or aria-hidden=true


class StructuredData(_Model):
    format: Literal["json-ld", "microdata", "rdfa"]
    raw: str = ""  # capped excerpt of the block as written
    data: Any = None  # parsed JSON-LD, or microdata as a dict
    error: str | None = None  # parse error message
    line: int | None = None  # 1-based position of a parse error within the block
    column: int | None = None
    types: list[str] = Field(default_factory=list)  # every @type found, nested included
    # Names and prices of the block probed against the visible text (extract/visible.py):
    # "t:<text>" or "n:<number>" -> shown on the page
    visible: dict[str, bool] = Field(default_factory=dict)


class ScriptJsonLd(_Model):
    """Schema.org JSON-LD written in a ``<script>`` whose type is not
    ``application/ld+json`` (``text/ld+json``, ``application/json``, none): no search
    engine reads it as structured data (SD002)."""

    type: str | None = None  # the type attribute as written; None when absent
    raw: str = ""  # the first characters of the script, as written
    types: list[str] = Field(default_factory=list)  # every @type, when it parses
    error: str | None = None  # strict JSON parse error, when it does not parse


class Heading(_Model):
    level: int
    text: str


class MarkupCut(_Model):
    """Where the HTML was cut before parsing, and why (extract/limits.py)."""

    at: int  # bytes of the decoded (UTF-8) document read
    of: int  # bytes of the whole document
    why: str  # "elements nested 9,000 deep", "an element with more than 1,000 attributes"


class PageFacts(_Model):
    """What rules read about one URL. Everything is extracted once; rules never parse."""

    # fetch facts
    url: str
    final_url: str
    status: int | None = None
    error: str | None = None
    error_detail: str | None = None
    hops: list[Hop] = Field(default_factory=list)
    headers: list[tuple[str, str]] = Field(default_factory=list)
    content_type: str | None = None  # media type, lower-cased, no parameters
    ttfb: float | None = None
    total: float | None = None
    download: float | None = None
    size: int = 0
    wire_bytes: int = 0
    truncated: bool = False
    content_encoding: str | None = None
    depth: int = 0  # discovery depth in the crawl (click depth is computed by Site)
    source: Source = "link"
    attempts: int = 1
    redirect_stop: str | None = None
    robots: RobotsVerdict | None = None  # None when robots.txt was not consulted

    # HTML facts (empty for non-HTML responses)
    is_html: bool = False
    charset: str | None = None
    # Where the page declares its encoding, as written: "bom", "header" (Content-Type
    # charset), "meta" (first 1024 bytes) -> label. Empty: declared nowhere; None: not
    # HTML, or facts stored before it was recorded.
    charset_declared: dict[str, str] | None = None
    # Characters the body's bytes did not encode in ``charset`` (shown as U+FFFD): their
    # number ("count") and a little text around the first ("at"); None when all decoded.
    undecodable: dict[str, Any] | None = None
    lang: str | None = None
    titles: list[str] = Field(default_factory=list)
    meta_descriptions: list[str] = Field(default_factory=list)
    # Texts kept cut at 1,000 characters: the whole length of the first "title" or
    # "meta_description" that was longer (a 120,000-character title measures as such).
    cut_lengths: dict[str, int] = Field(default_factory=dict)
    headings: list[Heading] = Field(default_factory=list)
    directives: list[Directive] = Field(default_factory=list)
    canonicals: list[Canonical] = Field(default_factory=list)
    hreflangs: list[Hreflang] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    js_links: list[JsLink] = Field(default_factory=list)  # the first 50 only
    js_link_count: int = 0  # all of them
    resources: list[Resource] = Field(default_factory=list)
    structured_data: list[StructuredData] = Field(default_factory=list)
    # JSON-LD in scripts of another type, which search engines ignore (the first 10).
    script_json_ld: list[ScriptJsonLd] = Field(default_factory=list)
    # Microdata/RDFa attributes that attach to no item or name no schema.org type (SD028):
    # kind (extract/structured.py) -> (elements found, the first 3 distinct ones reduced to
    # tag and attribute as written, e.g. '<span itemprop="name">'). Empty: none found.
    microdata_rdfa_problems: dict[str, tuple[int, list[str]]] = Field(default_factory=dict)
    # <link rel="next"> and rel="prev" (or "previous"): "next"/"prev" -> resolved URL of the
    # first of each. Google no longer uses them (ONP021 compares them with the <a> links).
    pagination: dict[str, str] = Field(default_factory=dict)
    meta_refresh: str | None = None  # content of <meta http-equiv=refresh>
    viewport: str | None = None
    meta_keywords: str | None = None  # content of the first <meta name="keywords">
    # Distinct tag names, in document order, of <body> elements carrying data-nosnippet
    # (the first 20).
    nosnippet_tags: list[str] = Field(default_factory=list)
    head_ended_by: str | None = None  # element that implicitly closed <head>, if any
    markup_truncated: bool = False  # nesting too deep to parse: facts cover the start only
    # Where and why; None when read whole (or in facts stored before it was said).
    markup_cut: MarkupCut | None = None
    word_count: int = 0
    # Visible words outside the page chrome (navigation, header, footer, asides: see
    # extract/html.py); None in facts stored before it was measured.
    main_word_count: int | None = None
    # Letters of the visible text per script ("latin", "cyrillic", "cjk"...: see
    # extract/scripts.py), most first; None in facts stored before it was counted.
    text_scripts: dict[str, int] | None = None
    # On pages with under 100 visible words: what marks them as a JavaScript app shell,
    # e.g. '<div id="root">', '<noscript> "Enable JavaScript..."' (capped); None otherwise.
    app_shell: str | None = None
    fingerprint: str | None = None  # hash of the normalised visible text
    simhash: int | None = None  # 64-bit simhash of the visible text (near duplicates)
    skeleton: str | None = None  # hash of the body's tag/class structure (templates.py)

    @property
    def is_redirect(self) -> bool:
        return bool(self.hops) and self.status is not None and 300 <= self.status < 400

    @property
    def title(self) -> str | None:
        return self.titles[0] if self.titles else None

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return None


# ---------------------------------------------------------------------------------------
# What rules produce and reports write
# ---------------------------------------------------------------------------------------


class Finding(_Model):
    """One rule hit on one URL. ``cause`` names the root cause shared by many URLs (a
    robots.txt line, a canonical target, a sitemap file, a template); findings of one
    rule with one cause become one Issue."""

    # Ten fields: an 11th grows every finding's dict 272 -> 464 bytes, ~19 MB for the
    # ~100,000 findings a 20,000-page report holds (see IDENTITY_BY_RULE).
    rule: str  # stable code, e.g. "HTTP001"
    name: str  # kebab-case, says what is wrong
    severity: Severity
    url: str
    message: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    cause: str | None = None
    issue: str | None = None  # id of the Issue it was grouped into (set by impact.py)
    # The k-th finding of its rule with this URL and cause: a rule can find one problem
    # twice on a page (two Products whose names are not shown). Part of the fingerprint
    # from 2 on, so each one counts against a baseline (see fingerprint_key).
    occurrence: int = 1
    # The severity the rule gave, when a configured severity override changed it: kept so
    # that `seoaudit check` re-judges a stored run under today's overrides, not the old.
    rule_severity: Severity | None = None

    @property
    def told_apart_by(self) -> str | None:
        """What the fingerprint hashes besides rule, URL and occurrence: the rule's fixed
        identity when it has one (``IDENTITY_BY_RULE``), else the cause."""
        return told_apart_by(self.rule, self.cause)

    @property
    def fingerprint(self) -> str:
        """Stable across runs: the same problem on the same URL gives the same id."""
        key = fingerprint_key(self.rule, self.url, self.told_apart_by, self.occurrence)
        return hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:16]


# Rules whose cause names a group by one of its members (an hreflang cluster, a loop, by
# its smallest URL): a member joining or leaving renames the group while each page's
# problem stays the same. Their findings are about one URL each, so their fingerprints
# (baselines, `diff`) hash rule, URL and this fixed identity instead of the cause; the
# cause still groups them into issues. Nothing the members share names such a group for
# good (the versions' URLs and texts differ by design). A table by rule rather than a
# field of every finding: an 11th field grows each finding's dict by ~190 bytes, ~19 MB
# for the ~100,000 findings a 20,000-page report holds.
IDENTITY_BY_RULE = {
    "HRF003": "hreflang cluster",
    "HRF009": "hreflang cluster",
    "HRF013": "hreflang cluster",
    "CAN011": "canonical loop",
    "HTTP008": "redirect loop",
}


def told_apart_by(rule: str, cause: str | None) -> str | None:
    """What a finding of ``rule`` with ``cause`` is told apart by, besides its URL and
    occurrence: see ``IDENTITY_BY_RULE``."""
    return IDENTITY_BY_RULE.get(rule, cause)


def fingerprint_key(rule: str, url: str, identity: str | None, occurrence: int) -> str:
    """What a finding's fingerprint hashes: rule, URL, ``identity`` (the cause, or the
    rule's fixed identity: ``told_apart_by``) and occurrence. The first of several
    findings with one rule, URL and cause keeps the fingerprint it had before occurrences
    were counted; the others add their number. So a baseline counts them: with two known
    on a page, fixing one leaves one known and none new, and a third is new."""
    key = f"{rule}\x1f{url}\x1f{identity or ''}"
    return key if occurrence <= 1 else f"{key}\x1f{occurrence}"


class ScoreInputs(_Model):
    """Everything the impact score of an issue was computed from (see impact.py)."""

    severity_weight: float
    affected: int
    page_value_sum: float
    formula: str
    value_source: str = "crawl"  # "crawl", or "crawl+<file>" when user data was given
    user_metric: str | None = None  # e.g. "clicks": the user's column the value came from
    user_metric_sum: float | None = None  # that metric summed over the affected URLs
    user_known: int | None = None  # affected URLs found in the user's file (others: unknown)
    # The highest priority the issue's severity may reach, when it lowered the priority
    # that the impact alone gives (impact.HIGHEST_PRIORITY: a notice is P3 at most).
    priority_cap: str | None = None


class Issue(_Model):
    """Findings of one rule that share one cause: the unit that becomes one ticket."""

    id: str  # stable fingerprint of rule + cause
    rule: str
    name: str
    severity: Severity
    title: str
    cause: str | None = None
    count: int
    sample_urls: list[str] = Field(default_factory=list)
    impact: float
    priority: str  # P1..P4, from impact (impact.py)
    score: ScoreInputs
    evidence: dict[str, Any] = Field(default_factory=dict)  # from the first finding
    owner: str = ""  # team hint: server/infrastructure, templates/front end, content/CMS
    template: str | None = None  # URL pattern of the template the issue was grouped by
    # Ids of issues of other rules about mostly the same URLs (impact.relate): one noindex
    # page listed in a sitemap is IDX001 and SMP011, two tickets for one change.
    related: list[str] = Field(default_factory=list)


class RuleError(_Model):
    rule: str
    url: str | None = None
    error: str


# How RunInfo.message of a crawl cut by --max-pages begins (audit.py writes it): such a
# run covers part of the site (kpis.scope).
MAX_PAGES_STOP = "stopped at --max-pages"
# ... and of a crawl the error budget stopped (the run is "failed": inconclusive, exit 3):
# the terminal says "Run stopped early", not "Run failed" (report/console.py).
EARLY_STOP = "stopped early"


class RunInfo(_Model):
    run_id: str
    tool_version: str
    started_at: str | None = None
    finished_at: str | None = None
    state: Literal["running", "complete", "interrupted", "failed"] = "running"
    start_urls: list[str] = Field(default_factory=list)
    user_agent: str = ""
    crawler_token: str = "googlebot"
    settings: dict[str, Any] = Field(default_factory=dict)
    config_hash: str = ""
    pages_fetched: int = 0
    urls_discovered: int = 0
    fetch_errors: int = 0
    message: str | None = None  # why a run ended early


class PageRow(_Model):
    """One stored URL in the report: its indexability (indexing.py, the one definition)
    and the facts that explain its weight."""

    url: str
    status: int | None = None
    indexability: str = ""  # "indexable" or the reason it is not (indexing.Reason)
    canonical: str | None = None  # the canonical Google reads, when it is another URL
    click_depth: int | None = None
    inlinks: int = 0
    in_sitemap: bool = False
    # the page names itself as canonical (canonical is then None: it is no other URL), so
    # "no canonical" and "self-canonical" read apart
    canonical_self: bool = False


class AccessVerdict(_Model):
    """robots.txt verdict of one crawler over the sampled URLs of one site section."""

    verdict: Literal["allowed", "blocked", "partial", "unknown"]
    blocked: int = 0  # sampled URLs disallowed
    checked: int = 0  # sampled URLs
    policy: Literal["allow", "block"] | None = None  # as declared in crawler_policy
    line: int | None = None  # deciding robots.txt line of a blocked URL
    rule: str | None = None
    reason: str | None = None  # when no line decided (e.g. robots.txt unreachable)


class AccessRow(_Model):
    origin: str
    section: str  # first path segment ("/products/"); "/" for top-level pages
    urls: int = 0  # known URLs of the section
    crawlers: dict[str, AccessVerdict] = Field(default_factory=dict)  # token -> verdict
    server: dict[str, str] = Field(default_factory=dict)  # probe profile -> outcome


class AccessMatrix(_Model):
    """Crawler access per site section: robots.txt verdicts for the major search and AI
    crawlers, and what the server answered to each user agent (crawl/probe.py)."""

    crawlers: list[str] = Field(default_factory=list)  # tokens, in column order
    rows: list[AccessRow] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    omitted: int = 0  # smaller sections beyond the rows kept (access.MAX_ROWS), counted only


class Report(_Model):
    schema_version: int = 1
    run: RunInfo
    summary: dict[str, Any] = Field(default_factory=dict)
    issues: list[Issue] = Field(default_factory=list)
    # Any sequence: a list, or for a large run findings.Findings reading the run file on
    # each pass (see findings.py); written as a list.
    findings: Annotated[Sequence[Finding], PlainSerializer(list, return_type=list[Finding])] = (
        Field(default_factory=list)
    )
    rule_errors: list[RuleError] = Field(default_factory=list)
    access: AccessMatrix | None = None
    # Any sequence of rows (report/urls_csv.PageRows holds a large run's compactly);
    # written as a list.
    pages: Annotated[Sequence[PageRow], PlainSerializer(list, return_type=list[PageRow])] = Field(
        default_factory=list
    )
    # The CI gate's verdict, checks and baseline comparison (gate.GateResult as JSON);
    # None when no gate ran (e.g. `seoaudit report`).
    gate: dict[str, Any] | None = None
