"""Structured data (SD): markup that parses, speaks schema.org, and carries what Google's
rich results require; whether it can show at all (indexable page, crawlable images, values
visible on the page).

Every rule reads one shared analysis of the page (``structured.analysis``): the graph of
JSON-LD and Microdata nodes, the rich-result items and their requirement check. Value
checks (prices, dates, ratings, breadcrumbs, URLs) are in ``structured_values``.
Requirements are data: ``seoaudit/data/google_rich_results.toml``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from seoaudit.config import CrawlSettings
from seoaudit.crawl.checks import IMAGE_PURPOSE, collector
from seoaudit.crawl.urls import normalize
from seoaudit.extract.structured import (
    ITEMPROP_OUTSIDE_ITEM,
    ITEMSCOPE_WITHOUT_ITEMTYPE,
    ITEMTYPE_NOT_SCHEMA_ORG,
    ITEMTYPE_WITHOUT_ITEMSCOPE,
    RDFA_PROPERTY_OUTSIDE_TYPEOF,
    RDFA_TERM_WITHOUT_VOCAB,
    count_is_minimum,
)
from seoaudit.extract.text import hamming
from seoaudit.extract.visible import MAX_VALUE, probe_key
from seoaudit.models import PageFacts, Severity
from seoaudit.rules.common import clip, limits
from seoaudit.rules.lookups import lookups
from seoaudit.rules.registry import Hit, rule
from seoaudit.structured.analysis import analyse, cause
from seoaudit.structured.graph import Node
from seoaudit.structured.health import UNPARSABLE
from seoaudit.structured.requirements import Missing, requirements
from seoaudit.structured.vocab import vocabulary

if TYPE_CHECKING:
    from seoaudit.site import Site
    from seoaudit.summary import PageSummary

IMAGE_PROPERTIES = ("image", "logo", "thumbnailUrl")
MAX_IMAGES = 10  # structured-data image URLs checked per page
EXCERPT = 40  # characters shown each side of a JSON syntax error
MAX_SUGGESTIONS = 50  # unknown types or properties reported per page (hostile pages)

# Properties whose @id reference must resolve on the page for Google to connect the items
# (G-SD-POLICIES "multiple items", G-SD-MERCHANT return policy by @id).
LINKING_PROPERTIES = frozenset(
    {
        "author",
        "publisher",
        "creator",
        "brand",
        "offers",
        "review",
        "aggregateRating",
        "itemReviewed",
        "hasMerchantReturnPolicy",
        "shippingDetails",
        "video",
        "image",
        "logo",
        "location",
        "hiringOrganization",
        "organizer",
        "performer",
        "provider",
        "breadcrumb",
        "mainEntity",
        "itemListElement",
        "item",
    }
)


# ---------------------------------------------------------------------------------------
# The image collector: URLs the crawl checks after the crawl (read back by SD017)
# ---------------------------------------------------------------------------------------


def _image_urls(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value.strip()
    elif isinstance(value, list):
        for item in value[:MAX_IMAGES]:
            yield from _image_urls(item)
    elif isinstance(value, dict):
        for key in ("url", "contentUrl"):
            found = value.get(key)
            if isinstance(found, str):
                yield found.strip()


@collector(IMAGE_PURPOSE)
def structured_data_images(page: PageFacts, settings: CrawlSettings) -> Iterable[str]:
    """``image``, ``logo`` and ``thumbnailUrl`` URLs (absolute http(s)) of the page's
    structured data, at most ``MAX_IMAGES`` per page."""
    del settings
    found: list[str] = []
    for block in page.structured_data:
        stack = [block.data]
        budget = 500
        while stack and budget > 0 and len(found) < MAX_IMAGES:
            budget -= 1
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                for key, value in node.items():
                    if key in IMAGE_PROPERTIES:
                        # any string: "http://[::1" is no URL, nothing to check
                        found.extend(
                            url
                            for url in _image_urls(value)
                            if url.lower().startswith(("http://", "https://"))
                            and normalize(url) is not None
                        )
                    if isinstance(value, (dict, list)):
                        stack.append(value)
    return list(dict.fromkeys(found))[:MAX_IMAGES]


# ---------------------------------------------------------------------------------------
# Syntax and vocabulary
# ---------------------------------------------------------------------------------------


def _excerpt(raw: str, line: int | None, column: int | None) -> str:
    """The text around a syntax error, on one line: what comes before it shows the cause
    (a trailing comma before ``}``)."""
    if line is None or column is None:
        return " ".join(raw.split())[: 2 * EXCERPT]
    lines = raw.splitlines(keepends=True)
    if not 1 <= line <= len(lines):
        return ""
    offset = sum(len(text) for text in lines[: line - 1]) + column - 1
    before = " ".join(raw[max(0, offset - 4 * EXCERPT) : offset].split())[-EXCERPT:]
    after = " ".join(raw[offset : offset + 2 * EXCERPT].split())[: EXCERPT // 2]
    return f"{before} >>> {after}"


@rule(
    "SD001",
    "unparsable-json-ld",
    severity="error",
    group="{count} pages have a JSON-LD block that does not parse ({cause})",
)
def unparsable_json_ld(page: PageFacts, site: Site) -> Iterator[Hit]:
    """JSON-LD block is not valid JSON: the whole block is ignored.

    ## What it does
    Flags every `<script type="application/ld+json">` whose content fails strict JSON
    parsing (trailing comma, missing comma or bracket, single quotes, comments, `NaN`,
    two objects without an array), with the line and column inside the block and an
    excerpt around the error. An empty block is a warning: there is nothing to read, which
    usually means a template variable rendered empty. A block that fails at an HTML
    character reference (`&quot;` where a quote belongs: the template HTML-escaped it) is
    reported by SD002 instead, the more specific finding.

    ## Why it matters
    A block that does not parse is discarded whole: none of its items can earn a rich
    result, and Search Console lists it under "Unparsable structured data". Google's
    parser tolerates a few syntax slips, other consumers (Bing, social networks, AI
    crawlers) do not; treat every strict failure as an error.

    ## How to fix
    Generate JSON-LD with a JSON encoder (`json.dumps`, `JSON.stringify`, your
    framework's JSON filter), never by concatenating strings, and escape `</` as `<\\/`
    inside the script.

    ## How to verify
    `curl -s <url>` and paste the block into a JSON validator (or `python -m json.tool`);
    Google's Rich Results Test shows the item without a parsing error.

    ## Source
    Google Search Central: "General structured data guidelines"; Search Console help:
    "Unparsable structured data report".
    """
    del site
    block_number = 0
    for index, block in enumerate(page.structured_data):
        if block.format != "json-ld":
            continue
        block_number += 1
        if block.error is None or _escaped_entity(block.raw, block.line, block.column):
            continue  # parses, or HTML-escaped: SD002 reports it
        evidence: dict[str, object] = {
            "item": f"{index}:$",
            "type": "JSON-LD",
            "block": block_number,
            "error": block.error,
            "line": block.line,
            "column": block.column,
        }
        if not block.raw.strip():
            yield Hit(
                page.url,
                f"JSON-LD block {block_number} is empty",
                evidence,
                cause=cause("JSON-LD", "empty block"),
                severity="warning",
            )
            continue
        excerpt = _excerpt(block.raw, block.line, block.column)
        evidence["excerpt"] = excerpt
        where = f" at line {block.line}, column {block.column}" if block.line else ""
        yield Hit(
            page.url,
            f"JSON-LD block {block_number} does not parse: {block.error}{where}: {excerpt!r}",
            evidence,
            cause=cause("JSON-LD", block.error),
        )


@rule(
    "SD003",
    "json-ld-context-invalid",
    severity="error",
    group="{count} pages have JSON-LD whose @context is not schema.org ({cause})",
)
def json_ld_context_invalid(page: PageFacts, site: Site) -> Iterator[Hit]:
    """JSON-LD has no `@context`, or one that does not resolve to schema.org.

    ## What it does
    Flags each top-level JSON-LD object (or `@graph` wrapper) that carries types but no
    `@context`, or a context that was meant as schema.org but does not resolve to it:
    `schema.org` without a scheme, a type URL such as `https://schema.org/Product`,
    `www.schema.org`, or a misspelt host. Accepted: `https://schema.org` and
    `http://schema.org` with or without a trailing slash, schema.org's context file, and
    objects or arrays that map to it (`@vocab`, a prefix). JSON-LD written for another
    vocabulary entirely is left alone.

    ## Why it matters
    Without the schema.org context, `Product` and `name` are not schema.org terms: the
    block describes nothing Google's rich results can use.

    ## How to fix
    Put `"@context": "https://schema.org"` on every top-level object, or once on the
    `@graph` wrapper.

    ## How to verify
    `curl -s <url>` shows the context on each block; the Rich Results Test detects the
    items.

    ## Source
    Google Search Central: "Introduction to structured data markup" (examples); W3C
    JSON-LD 1.1, section 3.1 "The Context".
    """
    del site
    analysis = analyse(page)
    seen: set[str] = set()
    for problem in analysis.graph.contexts:
        block = page.structured_data[problem.block]
        if problem.verdict == "other-vocabulary" or not block.types:
            continue  # another vocabulary, or JSON that is not structured data at all
        if problem.verdict == "missing":
            message, key = "JSON-LD has no @context", "@context missing"
        else:
            message = f"JSON-LD @context {problem.value!r} does not resolve to schema.org"
            key = f"@context {problem.value!r}"
        if key in seen:
            continue
        seen.add(key)
        yield Hit(
            page.url,
            message + " (use https://schema.org)",
            {
                "item": f"{problem.block}:{problem.path}",
                "type": block.types[0],
                "block": problem.block + 1,
                "context": problem.value,
            },
            cause=cause("JSON-LD", key),
        )


@rule(
    "SD004",
    "unknown-schema-type",
    severity="warning",
    group="{count} pages use a @type schema.org does not define ({cause})",
)
def unknown_schema_type(page: PageFacts, site: Site) -> Iterator[Hit]:
    """`@type` is not a schema.org type (a typo such as `Prodcut` or `Organisation`).

    ## What it does
    Checks every `@type` (JSON-LD) and `itemtype` (Microdata) against a pinned copy of the
    schema.org vocabulary (core, pending and extensions, shipped with seoaudit) and
    suggests the closest type. An error when the suggestion is a type Google builds rich
    results from (the item was meant for one), a warning otherwise. Types written as IRIs
    of other vocabularies are left alone.

    ## Why it matters
    An unknown type is ignored: the item and everything inside it earn no rich result.
    Type names are case-sensitive.

    ## How to fix
    Use the exact schema.org type, the most specific that applies (`Restaurant`, not
    `LocalBusiness`, when it is one).

    ## How to verify
    `seoaudit rules explain SD004`; the type's page exists at `https://schema.org/<Type>`;
    the Rich Results Test detects the item.

    ## Source
    schema.org vocabulary (pinned: see `scripts/build_schemaorg.py`); Google Search
    Central: "General structured data guidelines" (specificity).
    """
    del site
    vocab = vocabulary()
    reqs = requirements()
    analysis = analyse(page)
    seen: set[str] = set()
    for node in analysis.graph.nodes:
        if not node.schema:
            continue
        for name in node.types:
            if vocab.is_type(name) or name in seen or len(seen) >= MAX_SUGGESTIONS:
                continue
            seen.add(name)
            suggestion = vocab.suggest_type(name)
            hint = f" (did you mean {suggestion}?)" if suggestion else ""
            rich = suggestion is not None and reqs.is_rich_result_type((suggestion,))
            yield Hit(
                page.url,
                f"Unknown @type {name!r}{hint}",
                analysis.evidence(node, unknown_type=name, suggestion=suggestion),
                cause=cause("", f"unknown @type {name}"),
                severity="error" if rich else None,
            )


def _skip_properties(types: tuple[str, ...]) -> bool:
    """Role nodes carry the property they qualify (``"author": {"@type": "Role",
    "author": ...}``); data types and unknown types have no property list to check."""
    vocab = vocabulary()
    return (
        not types
        or any(not vocab.is_type(t) for t in types)
        or any(vocab.is_a(t, "Role") or vocab.is_a(t, "DataType") for t in types)
    )


@rule(
    "SD005",
    "property-not-in-type",
    severity="notice",
    group="{count} pages use a property the type does not define ({cause})",
)
def property_not_in_type(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Property is not defined by schema.org for the node's type (or is not schema.org).

    ## What it does
    Checks each property of each node against the properties schema.org allows on its
    types and their parents (pinned vocabulary), and says where it probably belongs:
    a misspelling (`descripton`) or one level down (`Product.price` belongs in
    `offers.price`). A warning when the property is one Google's rich results need
    (a misplaced required property), a notice otherwise. Role nodes, `-input`/`-output`
    action constraints and properties of other vocabularies are not checked.

    ## Why it matters
    Google ignores properties the type does not define: a price written on the Product
    instead of its Offer is a price Google never reads.

    ## How to fix
    Move the value to the nested object that defines it, or fix the spelling (property
    names are case-sensitive).

    ## How to verify
    The type's page `https://schema.org/<Type>` lists the property; the Rich Results Test
    shows the value under the right object.

    ## Source
    schema.org vocabulary (pinned: see `scripts/build_schemaorg.py`); Google Search
    Central: "Product snippet structured data".
    """
    del site
    vocab = vocabulary()
    key_properties = requirements().key_properties
    analysis = analyse(page)
    graph = analysis.graph
    seen: set[tuple[str, str]] = set()
    for node in graph.nodes:
        types = graph.types(node)
        if not node.schema or _skip_properties(types):
            continue
        allowed: set[str] = set()
        for name in types:
            allowed |= vocab.properties(name)
        for prop in node.props:
            if (
                prop in allowed
                or ":" in prop
                or "/" in prop
                or prop.endswith(("-input", "-output"))
            ):
                continue
            label = analysis.label(node)
            where = analysis.path(node, prop)
            if (label, where) in seen or len(seen) >= MAX_SUGGESTIONS:
                continue
            seen.add((label, where))
            suggestion = vocab.suggest_property(types, prop)
            known = vocab.is_property(prop)
            what = f"not a property of {'/'.join(types)}" if known else "not a schema.org property"
            hint = f" (did you mean {suggestion}?)" if suggestion else ""
            needed = suggestion is not None and suggestion.rsplit(".", 1)[-1] in key_properties
            yield Hit(
                page.url,
                f"{label}: {where} is {what}{hint}",
                analysis.evidence(node, property=prop, suggestion=suggestion),
                cause=cause(label, f"unknown property {where}"),
                severity="warning" if needed else None,
            )


# ---------------------------------------------------------------------------------------
# Google's requirements
# ---------------------------------------------------------------------------------------


def _missing(page: PageFacts, level: str) -> Iterator[tuple[Node, list[Missing]]]:
    """(first item, what the items of one type lack at ``level``) per item type: one
    finding per type and page, and one per property for required ones."""
    analysis = analyse(page)
    by_type: dict[str, tuple[Node, list[Missing]]] = {}
    for item in analysis.items:
        for missing in analysis.evaluations[id(item)].missing:
            if missing.level == level:
                entry = by_type.setdefault(item.label, (item, []))
                if all(m.path != missing.path for m in entry[1]):
                    entry[1].append(missing)
    yield from by_type.values()


def _also(missing: Missing) -> str:
    return f"; or {', '.join(missing.alternatives)}" if missing.alternatives else ""


@rule(
    "SD006",
    "rich-result-required-property-missing",
    severity="error",
    group="{count} pages lack a property their rich result requires ({cause})",
)
def required_property_missing(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Rich-result item lacks a property Google requires: the item is not eligible.

    ## What it does
    Checks each rich-result item (a top-level node, a `@graph` member, a `mainEntity`)
    of the types Google supports (Product with its Offer, AggregateOffer, Review and
    AggregateRating; Article, NewsArticle, BlogPosting; BreadcrumbList; Organization;
    LocalBusiness; Event; Recipe; JobPosting; VideoObject; SoftwareApplication; Review;
    Dataset; Course) against Google's required properties, including nested ones
    (`offers.priceCurrency` for merchant listings), "one of" groups and `@id` links, as
    Google's documentation of each feature lists them (kept in a table seoaudit ships).
    Pages sharing a missing property form one issue (the template that renders them).

    ## Why it matters
    Without every required property the item is ineligible for its rich result (price,
    rating stars, event dates, breadcrumb trail in search results).

    ## How to fix
    Add the property with a valid value in the template that renders the markup, or
    remove markup you cannot complete.

    ## How to verify
    `seoaudit audit <url> --max-pages 1 --select SD006 --isolated --no-baseline --fail-on notice`
    exits 0; Google's Rich Results Test shows the item as valid.

    ## Source
    Google Search Central: "General structured data guidelines" (completeness) and the
    feature pages named in each finding's `doc`.
    """
    del site
    analysis = analyse(page)
    for item, missing in _missing(page, "required"):
        for entry in missing:
            yield Hit(
                page.url,
                f"{item.label}: {entry.path} missing (required for {entry.feature}{_also(entry)})",
                analysis.evidence(
                    item,
                    property=entry.path,
                    alternatives=list(entry.alternatives),
                    feature=entry.feature,
                    doc=entry.doc,
                ),
                cause=cause(item.label, f"{entry.path} missing"),
            )


@rule(
    "SD007",
    "rich-result-recommended-property-missing",
    severity="warning",
    group="{count} pages lack properties their rich result recommends ({cause})",
)
def recommended_property_missing(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Rich-result item lacks a property Google recommends: eligible, but a weaker result.

    ## What it does
    Checks each rich-result item against the main recommended properties of its feature
    (the Rich Results Test shows them as non-critical issues), as Google's documentation
    lists them (the table SD006 reads). One finding per item type and page lists every
    missing property, so each type forms one issue ("Product: recommended properties
    missing").

    ## Why it matters
    Recommended properties make a fuller result (ratings, availability, dates, images);
    the item still shows without them, hence a warning, not an error. The Rich Results
    Test reports them the same way (non-critical issues).

    ## How to fix
    Add the property where the information exists on the page; do not invent it.

    ## How to verify
    `seoaudit audit <url> --max-pages 1 --select SD007 --isolated --no-baseline --fail-on notice`
    exits 0; the Rich Results Test lists no missing optional field for the item.

    ## Source
    Google Search Central: "General structured data guidelines"; the feature pages named
    in each finding's `doc`.
    """
    del site
    analysis = analyse(page)
    for item, missing in _missing(page, "recommended"):
        names = list(dict.fromkeys(m.path + _also(m).replace("; or ", " or ") for m in missing))
        yield Hit(
            page.url,
            f"{item.label}: recommended {', '.join(names)} missing ({missing[0].feature})",
            analysis.evidence(
                item,
                missing=[m.path for m in missing],
                feature=missing[0].feature,
                doc=missing[0].doc,
            ),
            cause=cause(item.label, "recommended properties missing"),
        )


@rule(
    "SD022",
    "retired-rich-result-type",
    severity="notice",
    group="{count} pages use markup for a rich result Google no longer shows ({cause})",
)
def retired_rich_result_type(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Markup for a rich result Google retired: valid, harmless, but it shows nothing.

    ## What it does
    Reports items of features Google no longer shows: FAQ (`FAQPage`, not shown since
    7 May 2026), How-to (`HowTo`), fact check (`ClaimReview`), `SpecialAnnouncement`,
    estimated salary, learning video, book actions, and the sitelinks search box
    (`WebSite` with a `SearchAction`). They are reported as retired, never checked for
    missing properties. The list is data (`google_rich_results.toml`).

    ## Why it matters
    The markup earns nothing in Google Search; effort spent maintaining it is better
    spent elsewhere (it may still serve other consumers).

    ## How to fix
    Keep it only if another consumer uses it; otherwise remove it, or use a supported
    type for the content.

    ## How to verify
    `seoaudit rules explain SD022` lists the retired features; Google's "Structured data
    markup that Google Search supports" gallery no longer lists them.

    ## Source
    Google Search Central: "FAQ structured data" (deprecation notice); "Changes to HowTo
    and FAQ rich results" (2023); "Simplifying the search results page" (June 2025);
    "Robots meta tag specifications" (nositelinkssearchbox unused).
    """
    del site
    analysis = analyse(page)
    reqs = requirements()
    seen: set[str] = set()
    for item in analysis.items:
        for retired in reqs.retired_features(analysis.graph, item):
            if retired.name in seen:
                continue
            seen.add(retired.name)
            yield Hit(
                page.url,
                f"{retired.type}: {retired.feature} is retired: {retired.status}",
                analysis.evidence(item, feature=retired.feature, doc=retired.doc),
                cause=cause(retired.type, f"{retired.feature} retired"),
            )


@rule(
    "SD019",
    "broken-id-reference",
    severity="warning",
    group="{count} pages link structured-data items by an @id defined nowhere ({cause})",
)
def broken_id_reference(page: PageFacts, site: Site) -> Iterator[Hit]:
    """An `@id` reference points at no node on the page, or one `@id` names two
    different things.

    ## What it does
    Follows every reference `{"@id": "..."}` written for a property that links items
    (author, publisher, offers, review, hasMerchantReturnPolicy, breadcrumb, mainEntity,
    ...) and flags those whose target is defined by no node in any block of the page.
    References resolve relative to the page URL, across blocks; a reference to the page
    itself is fine. Also flags an `@id` defined twice with unrelated types (a Product and
    an Offer sharing one `@id`).

    ## Why it matters
    Google connects items only through `@id`s defined on the same page: an unresolved
    reference leaves e.g. the return policy or the publisher unattached, and required
    properties behind it are missing.

    ## How to fix
    Define each referenced node once on the page (or nest it in place) and reuse its
    exact `@id`.

    ## How to verify
    `curl -s <url>` shows a node with that `@id`; the Rich Results Test shows the linked
    object nested.

    ## Source
    Google Search Central: "General structured data guidelines" (multiple items, `@id`);
    "Merchant listing structured data" (return policy by `@id`).
    """
    del site
    analysis = analyse(page)
    graph = analysis.graph
    own = {page.url.split("#", 1)[0], page.final_url.split("#", 1)[0]}
    seen: set[str] = set()
    for node, prop, target in graph.refs:
        if prop not in LINKING_PROPERTIES or target in graph.by_id or target in own:
            continue
        key = analysis.path(node, prop)
        if key in seen:
            continue
        seen.add(key)
        label = analysis.label(node)
        yield Hit(
            page.url,
            f"{label}: {key} references @id {target!r}, defined nowhere on the page",
            analysis.evidence(node, property=key, target=target),
            cause=cause(label, f"{key} references an undefined @id"),
        )
    vocab = vocabulary()
    for target, definitions in graph.by_id.items():
        typed = [d for d in definitions if d.types]
        clash = any(
            not any(vocab.is_a(x, y) or vocab.is_a(y, x) for x in a.types for y in b.types)
            for i, a in enumerate(typed)
            for b in typed[i + 1 :]
        )
        if clash:
            kinds = sorted({t for d in typed for t in d.types})
            yield Hit(
                page.url,
                f"@id {target!r} is defined as unrelated types: {', '.join(kinds)}",
                analysis.evidence(typed[0], target=target, types=kinds),
                cause=cause("", f"one @id for {' and '.join(kinds)}"),
            )


# ---------------------------------------------------------------------------------------
# Whether the markup can show: the page, its images, its visible content
# ---------------------------------------------------------------------------------------


@rule(
    "SD016",
    "rich-result-markup-not-indexable",
    severity="warning",
    group="{count} pages carry rich-result markup that can never show ({cause})",
)
def markup_on_non_indexable_page(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Rich-result markup on a page that is noindex or blocked by robots.txt.

    ## What it does
    Flags pages with rich-result items (see SD006 for the types) that Google may not
    index: a `noindex` (meta or header) or a robots.txt block (seen when the crawl ran
    with `--ignore-robots`).

    ## Why it matters
    A page that is not indexed shows no rich result, whatever its markup. A warning, not
    an error: the noindex or block itself is reported by the indexing and robots.txt
    rules at their own severity; here the markup is only inert (remove it, or lift the
    block if the page should rank).

    ## How to fix
    Lift the noindex or robots.txt block if the page should appear in search, or drop
    the markup from the template of pages that never will.

    ## How to verify
    `seoaudit robots <url>` allows the URL and `curl -sI <url>` shows no noindex
    `X-Robots-Tag`; the page source has no robots meta noindex.

    ## Source
    Google Search Central: "General structured data guidelines" (access: do not block
    pages with structured data with robots.txt or noindex).
    """
    analysis = analyse(page)
    reqs = requirements()
    rich = [i for i in analysis.items if reqs.is_rich_result_type(analysis.graph.types(i))]
    if not rich:
        return
    reason = site.indexability(page.url)
    if reason not in ("noindex", "blocked-by-robots"):
        return
    types = sorted({i.label for i in rich})
    yield Hit(
        page.url,
        f"{', '.join(types)} markup on a page Google may not index ({reason})",
        analysis.evidence(rich[0], types=types, indexability=reason),
        cause=cause("", f"rich-result markup on {reason} pages"),
    )


@rule(
    "SD017",
    "structured-data-image-unavailable",
    severity="warning",
    group="{count} pages point their structured data at images Google cannot fetch ({cause})",
)
def structured_data_image_unavailable(page: PageFacts, site: Site) -> Iterator[Hit]:
    """`image`, `logo` or `thumbnailUrl` does not answer 200, is blocked, or is not an image.

    ## What it does
    Reads the post-crawl check of each image URL of the page's structured data (absolute
    http(s) URLs, at most 10 per page) and flags those answering an error status or a
    network error, disallowed for the crawler by robots.txt, or answering an HTML page
    instead of an image. An error where the image is required (Recipe `image`, merchant
    listing `image`, VideoObject `thumbnailUrl`), a warning otherwise. Image URLs that were
    not checked (the check budget `--max-checks` ran out) are not flagged.

    ## Why it matters
    Google shows only images it can crawl and index: a broken image can cost the rich
    result its picture, or the whole result where the image is required.

    ## How to fix
    Point the markup at a live, crawlable image URL (JPEG, PNG, WebP, GIF, SVG, AVIF) and
    allow it in robots.txt.

    ## How to verify
    `curl -sI <image>` answers 200 with an `image/*` content type;
    `seoaudit robots <image>` allows it.

    ## Source
    Google Search Central: "General structured data guidelines" (images); "Recipe" and
    "Video" structured data pages (required images).
    """
    analysis = analyse(page)
    graph = analysis.graph
    seen: set[str] = set()
    for node in graph.nodes:
        for prop in IMAGE_PROPERTIES:
            for url in _node_images(node, prop):
                if url in seen:
                    continue
                seen.add(url)
                result = site.check(url)
                if result is None:
                    continue  # not checked: say nothing rather than guess
                if not result.ok:
                    problem = f"answers {result.status}" if result.status else result.error
                elif result.robots_allowed is False:
                    problem = "is disallowed by robots.txt"
                elif (result.content_type or "").startswith("text/html"):
                    problem = "answers an HTML page, not an image"
                else:
                    continue
                label = analysis.label(node)
                where = analysis.path(node, prop)
                required = prop in analysis.required_here(node)
                severity: Severity | None = "error" if required else None
                yield Hit(
                    page.url,
                    f"{label}: {where} {url} {problem}",
                    analysis.evidence(
                        node, property=where, image=url, status=result.status, error=result.error
                    ),
                    cause=cause(label, f"{where} {problem}"),
                    severity=severity,
                )


def _node_images(node: Node, prop: str) -> list[str]:
    """The absolute http(s) image URLs of ``node``'s ``prop``: URL strings, and the
    ``url`` / ``contentUrl`` of ImageObject values."""
    urls: list[str] = []
    for value in node.props.get(prop, []):
        if isinstance(value, str):
            urls.append(value.strip())
        elif isinstance(value, Node):
            urls.extend(
                v.strip()
                for key in ("url", "contentUrl")
                for v in value.props.get(key, [])
                if isinstance(v, str)
            )
    return [url for url in urls if url.lower().startswith(("http://", "https://"))]


# Google's minimum image sizes per rich-result feature: (property, which measure, least).
# G-SD-ORG: a logo of at least 112x112 px; G-SD-ARTICLE and G-SD-RECIPE: images of at
# least 50,000 pixels (width x height).
LOGO_MIN_SIDE = 112
IMAGE_MIN_PIXELS = 50_000
_MINIMUM_SIZES = {
    "Organization": "logo",
    "LocalBusiness": "logo",
    "Article": "image",
    "Recipe": "image",
}


@rule(
    "SD018",
    "structured-data-image-too-small",
    severity="notice",
    group="{count} pages mark up images smaller than Google's minimum ({cause})",
)
def structured_data_image_too_small(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A logo under 112x112 px, or an Article or Recipe image under 50,000 pixels.

    ## What it does
    Reads the pixel size of each image the page's structured data names where Google
    sets a minimum: the `logo` of an Organization or LocalBusiness (at least 112 px wide
    and high: a warning below that) and the `image` of an Article (NewsArticle,
    BlogPosting...) or a Recipe (at least 50,000 pixels, width times height: a notice).
    The size is read from the image's first 64 KB during the post-crawl check (the
    headers of JPEG, PNG, GIF, WebP, AVIF and other raster formats). Not judged: SVG
    images, images that were not checked, failed or are disallowed by robots.txt (SD017
    reports those), and images whose size is not in their first 64 KB.

    ## Why it matters
    Google may not use an image below its minimum: the logo is left out of the knowledge
    panel and of results, an article or recipe result shows no picture, or a picture
    of the wrong part of the page.

    ## How to fix
    Point the markup at a larger version of the image (most sites already have one for
    social sharing): a logo of at least 112x112 px, article and recipe images of at
    least 50,000 pixels (e.g. 1200x675 for 16:9), ideally in the 16x9, 4x3 and 1x1
    ratios Google asks for.

    ## How to verify
    Open the image URL in a browser (its size shows in the tab), or
    `python -c "import imagesize,sys; print(imagesize.get(sys.argv[1]))" image.jpg`;
    the Rich Results Test shows the item without an image warning.

    ## Source
    Google Search Central: "Organization structured data" (logo: 112x112 px at
    least); "Article structured data" and "Recipe structured data" (images of at
    least 50K pixels when multiplying width and height).
    """
    analysis = analyse(page)
    seen: set[tuple[str, str]] = set()
    for item in analysis.items:
        for profile in analysis.profiles.get(id(item), []):
            prop = _MINIMUM_SIZES.get(profile.name)
            if prop is None:
                continue
            for url in _node_images(item, prop):
                if (prop, url) in seen:
                    continue
                seen.add((prop, url))
                result = site.check(url)
                if result is None or not result.ok or result.robots_allowed is False:
                    continue  # not checked, broken or blocked (SD017's): size is moot
                width, height = result.width, result.height
                if width is None or height is None:
                    continue
                severity: Severity | None = None
                if prop == "logo":
                    if min(width, height) >= LOGO_MIN_SIDE:
                        continue
                    minimum = f"{LOGO_MIN_SIDE}x{LOGO_MIN_SIDE} px"
                    severity = "warning"
                else:
                    if width * height >= IMAGE_MIN_PIXELS:
                        continue
                    minimum = f"{IMAGE_MIN_PIXELS:,} pixels"
                label = analysis.label(item)
                where = analysis.path(item, prop)
                yield Hit(
                    page.url,
                    f"{label}: {where} {url} is {width}x{height} px ({width * height:,} "
                    f"pixels), under Google's minimum of {minimum}",
                    analysis.evidence(item, property=where, image=url, width=width, height=height),
                    cause=cause(label, f"{where} under {minimum}"),
                    severity=severity,
                )


# Values that must be on the page (G-SD-POLICIES: mark up only visible content).
_VISIBLE_TEXT = {"Product": "name", "Event": "name", "JobPosting": "title"}
_PRICES = ("price", "lowPrice")


@rule(
    "SD015",
    "marked-up-content-not-visible",
    severity="warning",
    group="{count} pages mark up values their visible text does not show ({cause})",
)
def marked_up_content_not_visible(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Product name or price, Event name or JobPosting title absent from the visible text.

    ## What it does
    Compares key values of rich-result items with the page's visible text as served
    (before JavaScript runs): a Product's `name` and its offers' `price`, an Event's
    `name`, a JobPosting's `title`. Text is compared case-folded with punctuation
    ignored (a name counts as shown when all its words appear); a price counts as shown
    when any number on the page has the same value, whatever its format (`$1,299.00`,
    `1.299,00 €`).

    ## Why it matters
    Google's guidelines forbid marking up content readers cannot see; a price in the
    markup that differs from the page is a common cause of merchant-listing
    disapprovals and of structured-data manual actions.

    ## How to fix
    Render the same name and price in the HTML as in the markup (from one source of
    truth), or remove the stale value from the markup. Prices filled in by JavaScript
    after load are not seen here: render them server-side.

    ## How to verify
    `curl -s <url>` shows the name and price in the page text.

    ## Source
    Google Search Central: "General structured data guidelines" (content: mark up only
    visible content); "Merchant listing structured data".
    """
    del site
    analysis = analyse(page)
    graph = analysis.graph
    visible: dict[str, bool] = {}
    for block in page.structured_data:
        visible.update(block.visible)
    if not visible:
        return
    vocab = vocabulary()
    for item in analysis.items:
        types = graph.types(item)
        kind = next(
            (k for k in _VISIBLE_TEXT for t in types if vocab.is_a(t, k) and t != "ProductGroup"),
            None,
        )
        if kind is None:
            continue
        label = item.label
        prop = _VISIBLE_TEXT[kind]
        for value in graph.values(item, prop)[:1]:
            if isinstance(value, str) and visible.get(probe_key("t", value[:MAX_VALUE])) is False:
                yield Hit(
                    page.url,
                    f"{label}: {prop} {clip(value, 80)!r} does not appear in the page's "
                    "visible text",
                    analysis.evidence(item, property=prop, value=clip(value, MAX_VALUE)),
                    cause=cause(label, f"{prop} not in the visible text"),
                )
        if kind != "Product":
            continue
        prices = [
            value
            for offer in graph.children(item, "offers")
            for key in _PRICES
            for value in graph.values(offer, key)
            if isinstance(value, (str, int, float)) and not isinstance(value, bool)
        ]
        known = [visible.get(probe_key("n", str(p)[:MAX_VALUE])) for p in prices]
        if prices and all(k is False for k in known):
            yield Hit(
                page.url,
                f"{label}: price {clip(str(prices[0]), 40)!r} does not appear in the page's "
                "visible text",
                analysis.evidence(item, property="offers.price", value=clip(str(prices[0]), 80)),
                cause=cause(label, "offers.price not in the visible text"),
            )


# ---------------------------------------------------------------------------------------
# JSON-LD that is not read at all: wrong script type, HTML-escaped (SD002)
# ---------------------------------------------------------------------------------------


def _escaped_entity(raw: str, line: int | None, column: int | None) -> str | None:
    """The HTML character reference (``&quot;``, ``&#34;``, ``&amp;``) at which strict JSON
    parsing of a block failed: the block was HTML-escaped. None when the parser stopped at
    anything else, or beyond the kept excerpt. ``line``/``column`` are ``json``'s: 1-based,
    lines split at ``\\n`` only."""
    if line is None or column is None:
        return None
    start = -1  # the newline ending the line before the error's
    for _ in range(line - 1):
        start = raw.find("\n", start + 1)
        if start < 0:
            return None
    offset = start + column
    end = raw.find(";", offset, offset + 12)
    if end < 0 or raw[offset : offset + 1] != "&":
        return None
    name = raw[offset + 1 : end]
    number = name[1:].removeprefix("x").removeprefix("X") if name[:1] == "#" else ""
    if (number and number.isalnum()) or (not number and name.isalnum()):
        return raw[offset : end + 1]
    return None


def _script_label(script_type: str | None) -> str:
    return f'<script type="{script_type}">' if script_type is not None else "<script> without type"


@rule(
    "SD002",
    "json-ld-wrong-type-or-escaped",
    severity="error",
    group="{count} pages have JSON-LD that search engines do not read ({cause})",
)
def json_ld_wrong_type_or_escaped(page: PageFacts, site: Site) -> Iterator[Hit]:
    """JSON-LD in a `<script>` that is not `type="application/ld+json"`, or HTML-escaped.

    ## What it does
    Flags two ways a page's JSON-LD is never read as structured data:

    - a script of another type, or with none, holding schema.org JSON-LD (a top-level
      `@context` naming schema.org): `text/ld+json`, `application/json`,
      `application/ld-json`, `<script>`. An error; a notice when a valid
      `application/ld+json` block of the page already carries the same `@type`s (the
      other copy is then data for the page's own scripts).
    - an `application/ld+json` block that is HTML-escaped: strict parsing fails at a
      character reference such as `&quot;` where a quote belongs. SD001 reports every
      other unparsable block; an escaped one is reported here only, as the more specific
      cause.

    ## Why it matters
    Search engines read JSON-LD only from `<script type="application/ld+json">`, and only
    as raw JSON: the content of a script is never entity-decoded, so `&quot;` stays six
    characters and the block does not parse. Either way none of the block's items can earn
    a rich result. A wrong type fails silently (Search Console does not list the markup at
    all); an escaped block shows under "Unparsable structured data".

    ## How to fix
    Write `type="application/ld+json"` exactly. Output the JSON raw inside the script: in
    templates, mark the serialised JSON as safe instead of letting the engine HTML-escape
    it (`{{ data|tojson }}` in Jinja, `JSON.stringify` inside `dangerouslySetInnerHTML` in
    React), escaping only `</` as `<\\/`.

    ## How to verify
    `curl -s <url> | grep -o '<script[^>]*ld+json[^>]*>.\\{0,40\\}'` shows the right type
    followed by `{"@context"`, not `{&quot;`; Google's Rich Results Test detects the items.
    JSON-LD that the page's JavaScript copies into a real `application/ld+json` script
    shows there too, but is read only after rendering.

    ## Source
    Google Search Central: "Introduction to structured data markup in Google Search"
    (JSON-LD in a `<script type="application/ld+json">`); W3C JSON-LD 1.1, "Embedding
    JSON-LD in HTML Documents"; HTML standard, the script element (raw text).
    """
    del site
    real = {t for b in page.structured_data if b.format == "json-ld" for t in b.types}
    for script in page.script_json_ld:
        label = _script_label(script.type)
        types = ", ".join(script.types[:5]) or "no @type"
        evidence: dict[str, object] = {
            "script_type": script.type,
            "types": script.types,
            "excerpt": script.raw,
            "error": script.error,
        }
        kind = (script.type or "").split(";", 1)[0].strip().lower()
        where = f'in <script type="{kind}">' if kind else "in <script> without type"
        if script.types and set(script.types) <= real:
            yield Hit(
                page.url,
                f"JSON-LD ({types}) in {label} repeats the types of the page's "
                "application/ld+json markup: this copy is ignored",
                evidence,
                cause=cause("JSON-LD", f"a copy {where}"),
                severity="notice",
            )
            continue
        broken = f"; it does not parse either ({script.error})" if script.error else ""
        yield Hit(
            page.url,
            f"JSON-LD ({types}) in {label}: search engines read JSON-LD only from "
            f'<script type="application/ld+json">{broken}',
            evidence,
            cause=cause("JSON-LD", where),
        )
    block_number = 0
    for index, block in enumerate(page.structured_data):
        if block.format != "json-ld":
            continue
        block_number += 1
        entity = _escaped_entity(block.raw, block.line, block.column) if block.error else None
        if entity is None:
            continue
        yield Hit(
            page.url,
            f"JSON-LD block {block_number} is HTML-escaped ({entity} at line {block.line}, "
            f"column {block.column}): it does not parse, so the whole block is ignored",
            {
                "item": f"{index}:$",
                "type": "JSON-LD",
                "block": block_number,
                "entity": entity,
                "line": block.line,
                "column": block.column,
                "excerpt": _excerpt(block.raw, block.line, block.column),
            },
            cause=cause("JSON-LD", f"HTML-escaped ({entity})"),
        )


# ---------------------------------------------------------------------------------------
# Microdata and RDFa that attach to no item (SD028)
# ---------------------------------------------------------------------------------------

# Each kind of structural problem (extract/structured.py), as a message names it; also the
# order in which a finding lists them.
STRUCTURE_PROBLEMS = {
    ITEMPROP_OUTSIDE_ITEM: "itemprop outside any itemscope",
    ITEMSCOPE_WITHOUT_ITEMTYPE: "itemscope without itemtype",
    ITEMTYPE_WITHOUT_ITEMSCOPE: "itemtype without itemscope",
    ITEMTYPE_NOT_SCHEMA_ORG: "itemtype not a schema.org type URL",
    RDFA_TERM_WITHOUT_VOCAB: "RDFa term without vocab",
    RDFA_PROPERTY_OUTSIDE_TYPEOF: "RDFa property outside any typeof",
}
MAX_EXAMPLE = 100  # characters of an element example shown (extraction keeps fewer)


@rule(
    "SD028",
    "microdata-rdfa-structure-error",
    severity="warning",
    group="{count} pages have Microdata or RDFa attributes that attach to no item ({cause})",
)
def microdata_rdfa_structure_error(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Microdata or RDFa attributes attach to no item, or name no schema.org type.

    ## What it does
    Checks the Microdata and RDFa attributes of the page as served and reports, in one
    finding per page, each kind of problem with how many elements have it and up to three
    examples, each reduced to its tag and the one attribute at fault
    (`<span itemprop="name">`, the value cut at 60 characters), not the element as
    written. Each element counts once per kind; counting stops at 2,000 elements per kind,
    and a count that reaches it is shown as "at least".

    - `itemprop` on an element with no `itemscope` element around it (and not pulled in
      by an `itemref`): the property belongs to no item.
    - `itemscope` without `itemtype` on a top-level item: valid HTML, but an item of no
      type, which Google cannot use for anything. An item nested as the value of an
      `itemprop` may go without a type (what a property's value needs is SD006's
      business).
    - `itemtype` without `itemscope`: the type is ignored, and the itemprops inside belong
      to the item around it, or to none.
    - `itemtype` that is not a schema.org type URL: a bare name (`Product`), no scheme
      (`schema.org/Product`), an RDFa CURIE (`schema:Product`: Microdata needs an
      absolute URL), no type (`https://schema.org/`), a misspelt host
      (`shema.org`), or `data-vocabulary.org`, which Google stopped reading in 2020.
      `http://` and `https://schema.org/<Type>` are both fine. The URL of another
      vocabulary (microformats, your own) is valid Microdata and is not reported: it is
      not broken, only not meant for Google, and the other SD rules leave it alone too.
    - RDFa `property` or `typeof` terms without a prefix and with no `vocab` on the
      element or around it: the term resolves to nothing.
    - RDFa schema.org properties with no `typeof` (or `about`, `resource`) around them:
      they describe the page URL itself, as a thing of no type. A `typeof` on `<html>`,
      `<head>` or `<body>` types the page itself (HTML+RDFa 1.1), so on such a page every
      property has a typed subject.

    RDFa is checked on pages that use it (a `vocab` or `typeof` somewhere): a `property`
    attribute alone is also Open Graph's, and prefixed terms such as `og:title` are fine.

    ## Why it matters
    Google builds rich results from typed schema.org items only. A property outside any
    item, or an item without a schema.org type, is dropped, usually without any error in
    Search Console: the review stars, prices or breadcrumbs that markup was written for
    never show. These problems usually appear when a template change removes or moves the
    wrapping element.

    ## How to fix
    Put `itemscope itemtype="https://schema.org/<Type>"` on the element that wraps all of
    the item's properties, and check the template still wraps them after layout changes.
    For RDFa, put `vocab="https://schema.org/"` and a `typeof` on the wrapping element.
    JSON-LD avoids the problem altogether: it does not depend on how the HTML is nested.

    ## How to verify
    `curl -s <url> | grep -oE '<[^>]+item(scope|prop|type)[^>]*>'` shows every itemprop
    after an opening itemscope element with a schema.org itemtype; Google's Rich Results
    Test lists the item with all its properties.

    ## Source
    HTML Living Standard, "Microdata" (itemscope, itemtype, itemprop, itemref); W3C RDFa
    Core 1.1 and RDFa Lite 1.1 (vocab, typeof, property); Google Search Central:
    "Introduction to structured data markup" (supported formats) and "Sunsetting support
    for data-vocabulary" (2020).
    """
    del site
    found = page.microdata_rdfa_problems
    if not found:
        return
    known = [k for k in STRUCTURE_PROBLEMS if k in found]
    kinds = known + sorted(k for k in found if k not in STRUCTURE_PROBLEMS)
    problems: list[dict[str, object]] = []
    parts: list[str] = []
    for kind in kinds:
        count, examples = found[kind]
        label = STRUCTURE_PROBLEMS.get(kind, kind)
        shown = [clip(e, MAX_EXAMPLE) for e in examples[:3]]
        at_least = count_is_minimum(count)  # counting stopped: there may be more
        problems.append(
            {
                "kind": kind,
                "problem": label,
                "count": count,
                "count_is_minimum": at_least,
                "examples": shown,
            }
        )
        times = f"at least ×{count}" if at_least else f"×{count}"
        parts.append(f"{label} {times}" + (f" ({shown[0]})" if shown else ""))
    yield Hit(
        page.url,
        "Microdata/RDFa that attaches to no item or names no schema.org type: " + "; ".join(parts),
        {
            "problems": problems,
            "count": sum(found[k][0] for k in kinds),
            "count_is_minimum": any(count_is_minimum(found[k][0]) for k in kinds),
        },
        cause=", ".join(STRUCTURE_PROBLEMS.get(k, k) for k in kinds),
    )


# ---------------------------------------------------------------------------------------
# Duplicates whose structured data differs from their canonical's (SD031)
# ---------------------------------------------------------------------------------------

MAX_TYPES = 10  # types listed per side in evidence
MAX_NAMED = 3  # types named in a message or cause


def _item_types(summary: PageSummary) -> frozenset[str]:
    """The types of the page's structured-data items (RDFa counts as the one kind "RDFa":
    its types are not read). An unparsable JSON-LD block carries no type."""
    return frozenset(label for _key, label in summary.structured_items if label != UNPARSABLE)


def _duplicates(page: PageSummary, canonical: PageSummary, bits: int) -> bool:
    """Whether a page is a duplicate of its canonical as far as the crawl can tell: the same
    path (a parameter variant), the same visible text, or near-duplicate text (simhash
    within ``near_duplicate_bits``)."""
    if page.url.partition("?")[0] == canonical.url.partition("?")[0]:
        return True
    if page.fingerprint is not None and page.fingerprint == canonical.fingerprint:
        return True
    if page.simhash is None or canonical.simhash is None:
        return False
    return hamming(page.simhash, canonical.simhash) <= bits


def _types(types: list[str]) -> str:
    named = ", ".join(clip(t, 60) for t in types[:MAX_NAMED])
    return named + (f" and {len(types) - MAX_NAMED} more" if len(types) > MAX_NAMED else "")


@rule(
    "SD031",
    "structured-data-differs-from-canonical",
    severity="notice",
    scope="site",
    group="{count} duplicate pages differ from their canonical in structured data ({cause})",
    by_template=True,
)
def structured_data_differs_from_canonical(site: Site) -> Iterator[Hit]:
    """A duplicate page lacks structured data its canonical has, or has data it lacks.

    ## What it does
    Compares each duplicate (an HTML page answering 200 whose canonical is another crawled
    HTML page answering 200) with its canonical: the types of their top-level
    structured-data items (JSON-LD and Microdata items such as `Product` or
    `BreadcrumbList`, not the `Offer` inside; RDFa counts as one kind, "RDFa"). Flags the
    duplicate when its canonical has an item type the duplicate lacks, or the duplicate
    has one the canonical lacks. Only duplicates are compared: a parameter variant (same
    path), the same visible text, or near-duplicate text (`near_duplicate_bits`); a
    canonical pointing at a different page is a canonical problem (the CAN rules).
    Pages whose canonical is themselves, or points at a URL that was not crawled or does
    not answer 200, are not compared. An unparsable JSON-LD
    block counts as no type (SD001 reports the block). Duplicates of one template that
    differ the same way form one issue.

    ## Why it matters
    Google picks the canonical of a cluster itself and may choose a duplicate (a mobile,
    parameter or print variant) over the URL you declared: if that variant has no markup,
    the rich result goes with it. Google's guidelines ask for the same structured data on
    all duplicates of a page. Markup only on a duplicate is also wasted while the canonical
    is the page shown.

    ## How to fix
    Render the same structured data on every variant of a page, from the same template
    partial or component, whatever the URL parameters or device.

    ## How to verify
    `curl -s <url>` and `curl -s <canonical>` show the same
    `application/ld+json` blocks (or Microdata items) with the same `@type`s.

    ## Source
    Google Search Central: "General structured data guidelines" (location: duplicate pages
    should have the same structured data as the canonical); "What is URL canonicalization".
    """
    found = lookups(site)
    bits = limits(site).near_duplicate_bits
    canonical_types: dict[str, frozenset[str]] = {}
    for url, target in found.canonical.items():
        duplicate = found.summary.get(url)
        canonical = found.summary.get(target)
        if duplicate is None or not duplicate.is_html:
            continue
        if canonical is None or canonical.status != 200 or not canonical.is_html:
            continue
        if not _duplicates(duplicate, canonical, bits):
            continue  # a canonical to another page: a canonical problem (CAN rules), not this
        wanted = canonical_types.get(target)
        if wanted is None:
            wanted = canonical_types[target] = _item_types(canonical)
        present = _item_types(duplicate)
        missing, extra = sorted(wanted - present), sorted(present - wanted)
        if not missing and not extra:
            continue
        said: list[str] = []
        causes: list[str] = []
        if missing:
            said.append(f"lacks {_types(missing)} structured data that its canonical has")
            causes.append(f"duplicates lack {_types(missing)}")
        if extra:
            said.append(f"has {_types(extra)} structured data that its canonical lacks")
            causes.append(f"canonicals lack {_types(extra)}")
        yield Hit(
            url,
            f"This duplicate of {clip(target, 200)} " + " and ".join(said),
            {
                "canonical": target,
                "canonical_types": sorted(wanted)[:MAX_TYPES],
                "duplicate_types": sorted(present)[:MAX_TYPES],
                "missing": missing[:MAX_TYPES],
                "extra": extra[:MAX_TYPES],
            },
            cause="; ".join(causes),
        )
