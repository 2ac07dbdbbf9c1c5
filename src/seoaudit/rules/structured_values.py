"""Structured data (SD): values Google cannot read. Prices and currencies, ISO 8601 dates
and durations, rating scales, breadcrumb positions and absolute URLs, on every node of the
page's JSON-LD and Microdata (nested ones included). The validators are pure functions in
``structured.values``; the page's nodes come from the shared ``structured.analysis``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar

from seoaudit.models import PageFacts, Severity
from seoaudit.rules.registry import Hit, rule
from seoaudit.structured import values
from seoaudit.structured.analysis import Analysis, analyse, cause
from seoaudit.structured.graph import Node
from seoaudit.structured.vocab import vocabulary

if TYPE_CHECKING:
    from seoaudit.site import Site

PRICE_PROPERTIES = ("price", "lowPrice", "highPrice")
CURRENCY_PROPERTIES = ("priceCurrency", "currency")
DATE_PROPERTIES = (
    "datePublished",
    "dateModified",
    "dateCreated",
    "uploadDate",
    "startDate",
    "endDate",
    "previousStartDate",
    "datePosted",
    "validFrom",
    "validThrough",
    "priceValidUntil",
    "foundingDate",
    "expires",
)
# Dates where Google asks for a timezone (Article, Video, Event, Job posting pages).
TIMEZONE_TYPES = ("Article", "VideoObject", "Event", "JobPosting")
DURATION_PROPERTIES = ("cookTime", "prepTime", "totalTime", "duration")
URL_PROPERTIES = (
    "url",
    "item",
    "image",
    "logo",
    "thumbnailUrl",
    "contentUrl",
    "embedUrl",
    "sameAs",
)


def _scalars(node: Node, prop: str) -> list[object]:
    """The literal values (not nested nodes or references) of one property."""
    found = node.props.get(prop)
    if not found:
        return []
    return [v for v in found if isinstance(v, (str, int, float, bool))]


def once(seen: set[tuple[str, str]], label: str, where: str) -> bool:
    """True the first time (item label, property path) comes up on a page, and records it:
    one finding per property of an item, however often the value repeats."""
    if (label, where) in seen:
        return False
    seen.add((label, where))
    return True


def _schema_nodes(analysis: Analysis) -> Iterator[Node]:
    return (node for node in analysis.graph.nodes if node.schema)


Problem = TypeVar("Problem")


def _unreadable(
    analysis: Analysis,
    properties: Sequence[str] | Callable[[Node], Sequence[str]],
    check: Callable[[object], Problem | None],
) -> Iterator[tuple[Node, str, str, str, object, Problem]]:
    """(node, label, property, path, value, problem) for each literal value of
    ``properties`` (or of the properties a node gets) on the page's schema.org nodes that
    ``check`` finds a problem with: once per item label and path."""
    seen: set[tuple[str, str]] = set()
    for node in _schema_nodes(analysis):
        label = analysis.label(node)
        for prop in properties(node) if callable(properties) else properties:
            for value in _scalars(node, prop):
                problem = check(value)
                where = analysis.path(node, prop)
                if problem and once(seen, label, where):
                    yield node, label, prop, where, value, problem


@rule(
    "SD008",
    "price-format-invalid",
    severity="error",
    group="{count} pages write prices Google cannot read ({cause})",
)
def price_format_invalid(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Price is not a plain number, or the currency is not an ISO 4217 code.

    ## What it does
    Checks `price`, `lowPrice`, `highPrice` (and `shippingRate.value`) on every node: a
    number, or a string of digits with `.` as decimal separator; no currency symbol,
    thousands separator, decimal comma, words ("Free") or ranges. Checks `priceCurrency`
    (and `currency`) against the ISO 4217 list shipped with seoaudit; a valid code in
    lower case is a warning.

    ## Why it matters
    Google cannot read the price: the offer, and with it the merchant listing or product
    snippet price, is invalid.

    ## How to fix
    `"price": 1299.00, "priceCurrency": "EUR"`: keep localised formatting (`1.299,00 €`)
    in the visible HTML only.

    ## How to verify
    `curl -s <url>` shows a plain number; the Rich Results Test reads the price.

    ## Source
    schema.org `price` and `priceCurrency` usage notes; Google Search Central: "Merchant
    listing structured data".
    """
    del site
    analysis = analyse(page)
    currencies = vocabulary().currencies

    def prices(node: Node) -> Sequence[str]:
        return PRICE_PROPERTIES + (("value",) if node.via == "shippingRate" else ())

    for node, label, _prop, where, value, problem in _unreadable(
        analysis, prices, values.price_problem
    ):
        yield Hit(
            page.url,
            f"{label}: {where} {problem}",
            analysis.evidence(node, property=where, value=value),
            cause=cause(label, f"{where} is not a plain number"),
        )
    for node, label, _prop, where, value, (reason, serious) in _unreadable(
        analysis, CURRENCY_PROPERTIES, lambda value: values.currency_problem(value, currencies)
    ):
        yield Hit(
            page.url,
            f"{label}: {where} {reason}",
            analysis.evidence(node, property=where, value=value),
            cause=cause(label, f"{where} is not an ISO 4217 code"),
            severity=None if serious else "warning",
        )


def _zero_prices(analysis: Analysis, node: Node) -> Iterator[tuple[str, object]]:
    """(path, value) of the prices of an Offer (its own or its priceSpecification's) that
    are well-formed numbers equal to zero; malformed ones are SD008's."""
    specs = [v for v in node.props.get("priceSpecification", ()) if isinstance(v, Node)]
    for owner in (node, *specs):
        for value in _scalars(owner, "price"):
            if values.price_problem(value) is None and float(str(value).strip()) == 0:
                yield analysis.path(owner, "price"), value


@rule(
    "SD009",
    "merchant-listing-price-not-positive",
    severity="error",
    group="{count} pages offer a product for sale at a price of zero ({cause})",
)
def merchant_price_not_positive(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A product's Offer (a merchant listing) has a price of zero.

    ## What it does
    Checks the `Offer` of every `Product` (not an `AggregateOffer`: that is a product
    snippet, which may show 0): a `price` (or `priceSpecification.price`) that is a
    well-formed number equal to 0. Malformed and negative prices are SD008's.

    ## Why it matters
    Google's merchant listing experiences (Shopping tab, product knowledge panels) need a
    price greater than zero: the offer is invalid for them, and a "0.00" usually means the
    template printed the price before the shop system filled it in.

    ## How to fix
    Output the real selling price. For something really given away, describe it without a
    merchant-listing `Offer` (product snippet markup with a review or rating instead).

    ## How to verify
    `curl -s <url>` shows `"price"` greater than 0; the Rich Results Test reports a valid
    merchant listing.

    ## Source
    Google Search Central: "Merchant listing (Product, Offer) structured data" (`price`
    must be greater than zero); schema.org `Offer`.
    """
    del site
    analysis = analyse(page)
    seen: set[tuple[str, str]] = set()
    for node in _schema_nodes(analysis):
        if not any(p.name == "ProductOffer" for p in analysis.profiles.get(id(node), ())):
            continue
        label = analysis.label(node)
        for where, value in _zero_prices(analysis, node):
            if once(seen, label, where):
                yield Hit(
                    page.url,
                    f"{label}: {where} is {value!r}; a merchant listing needs a price above 0",
                    analysis.evidence(node, property=where, value=value),
                    cause=cause(label, f"{where} is 0"),
                )


@rule(
    "SD010",
    "date-not-iso-8601",
    severity="error",
    group="{count} pages write dates that are not ISO 8601 ({cause})",
)
def date_not_iso_8601(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Date or date-time is not ISO 8601 (`March 3, 2024`, `03/04/2024`).

    ## What it does
    Checks date properties (`datePublished`, `dateModified`, `uploadDate`, `startDate`,
    `endDate`, `datePosted`, `validFrom`, `validThrough`, `priceValidUntil`,
    `foundingDate`, `expires`...) on every node: an ISO 8601 date (`2024-03-01`, or a
    reduced `2024-03`) or date-time (`2024-03-01T09:00:00+01:00`) with real calendar
    values. An error when the property is required for the item's rich result, a warning
    otherwise.

    ## Why it matters
    Google cannot read the date: required dates make the item ineligible (event start,
    video upload, job posting date); others are dropped from the result.

    ## How to fix
    Emit `YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ss±hh:mm` from the date object, not from a
    display string.

    ## How to verify
    `curl -s <url>` shows the ISO value; the Rich Results Test reads the date.

    ## Source
    Google Search Central: "Article", "Event", "Job posting" and "Video" structured data
    pages (ISO 8601 dates).
    """
    del site
    analysis = analyse(page)
    for node, label, prop, where, value, problem in _unreadable(
        analysis, DATE_PROPERTIES, values.date_problem
    ):
        severity: Severity = "error" if prop in analysis.required_here(node) else "warning"
        yield Hit(
            page.url,
            f"{label}: {where} {problem}",
            analysis.evidence(node, property=where, value=value),
            cause=cause(label, f"{where} is not ISO 8601"),
            severity=severity,
        )


@rule(
    "SD011",
    "datetime-without-timezone",
    severity="notice",
    group="{count} pages give times without a timezone ({cause})",
)
def datetime_without_timezone(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Date-time with a time but no timezone offset on an Article, Video, Event or Job.

    ## What it does
    Flags ISO 8601 date-times with a time and no `Z` or `±hh:mm` offset on the dates of
    Article, VideoObject, Event and JobPosting items. A warning for `Event.startDate`
    (Google then assumes the event location's time zone), a notice otherwise (Google
    assumes Googlebot's).

    ## Why it matters
    The shown time can be off by hours: an article looks older or newer than it is, an
    event starts at the wrong hour.

    ## How to fix
    Include the offset: `2024-03-01T19:30:00-07:00` (or `Z` for UTC).

    ## How to verify
    `curl -s <url>` shows the offset; the Rich Results Test shows the intended time.

    ## Source
    Google Search Central: "Article" and "Event" structured data (date and time
    guidelines).
    """
    del site
    analysis = analyse(page)
    vocab = vocabulary()
    seen: set[tuple[str, str]] = set()
    for node in _schema_nodes(analysis):
        item, _path = analysis.owner(node)
        if node is not item:
            continue
        types = analysis.graph.types(node)
        if not any(vocab.is_a(t, k) for t in types for k in TIMEZONE_TYPES):
            continue
        for prop in DATE_PROPERTIES:
            for value in _scalars(node, prop):
                parsed = values.parse_date(value)
                if parsed is None or not parsed.has_time or parsed.has_offset:
                    continue
                label = analysis.label(node)
                if not once(seen, label, prop):
                    continue
                event_start = prop == "startDate" and any(vocab.is_a(t, "Event") for t in types)
                yield Hit(
                    page.url,
                    f"{label}: {prop} {value!r} has a time but no timezone offset",
                    analysis.evidence(node, property=prop, value=value),
                    cause=cause(label, f"{prop} without timezone"),
                    severity="warning" if event_start else None,
                )


@rule(
    "SD012",
    "duration-not-iso-8601",
    severity="error",
    group="{count} pages write durations that are not ISO 8601 ({cause})",
)
def duration_not_iso_8601(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Duration is not ISO 8601 (`30 min`, `1:30` instead of `PT30M`, `PT1H30M`).

    ## What it does
    Checks `cookTime`, `prepTime`, `totalTime` and `duration` (when written as text) on
    every node against the ISO 8601 duration format.

    ## Why it matters
    Google cannot read the duration: recipe times and video lengths are dropped from the
    result.

    ## How to fix
    Convert to `PT#H#M#S` (`PT1H30M`, `PT45S`).

    ## How to verify
    `curl -s <url>` shows the ISO value; the Rich Results Test reads it.

    ## Source
    Google Search Central: "Recipe" and "Video" structured data pages.
    """
    del site
    analysis = analyse(page)
    for node, label, _prop, where, value, problem in _unreadable(
        analysis, DURATION_PROPERTIES, values.duration_problem
    ):
        yield Hit(
            page.url,
            f"{label}: {where} {problem}",
            analysis.evidence(node, property=where, value=value),
            cause=cause(label, f"{where} is not an ISO 8601 duration"),
        )


def _is_rating(analysis: Analysis, node: Node) -> bool:
    types = analysis.graph.types(node)
    if not types:
        return node.via in ("reviewRating", "aggregateRating")
    vocab = vocabulary()
    return any(vocab.is_a(t, "Rating") for t in types)


@rule(
    "SD013",
    "rating-value-invalid",
    severity="error",
    group="{count} pages have ratings Google cannot read ({cause})",
)
def rating_value_invalid(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Rating is not a number, lies outside its scale, or its count is not above zero.

    ## What it does
    On every Rating and AggregateRating: `ratingValue` must be a number (Google also
    reads `60%` and `6 / 10`) within [`worstRating`, `bestRating`] (default 1 to 5);
    `ratingCount` and `reviewCount`, when given, must be whole numbers above zero. A
    decimal comma (`4,5`) is a warning.

    ## Why it matters
    An unreadable or out-of-range rating makes the review snippet (the stars) ineligible.

    ## How to fix
    Publish the real scale (`bestRating`, `worstRating`) when it is not 1-5, and the real
    counts; write `4.5`, not `4,5`.

    ## How to verify
    `seoaudit audit <url> --max-pages 1 --select SD013 --isolated --no-baseline --fail-on notice`
    exits 0; the Rich Results Test shows the rating with its stars.

    ## Source
    Google Search Central: "Review snippet structured data" (ratingValue, bestRating,
    worstRating).
    """
    del site
    analysis = analyse(page)
    seen: set[tuple[str, str]] = set()
    for node in _schema_nodes(analysis):
        if not _is_rating(analysis, node):
            continue
        label = analysis.label(node)
        best = next(iter(_scalars(node, "bestRating")), None)
        worst = next(iter(_scalars(node, "worstRating")), None)
        for value in _scalars(node, "ratingValue")[:1]:
            found = values.rating_problem(value, best, worst)
            where = analysis.path(node, "ratingValue")
            if found and once(seen, label, where):
                reason, serious = found
                yield Hit(
                    page.url,
                    f"{label}: {where} {reason}",
                    analysis.evidence(node, property=where, value=value, best=best, worst=worst),
                    cause=cause(label, f"{where} unreadable or out of range"),
                    severity=None if serious else "warning",
                )
        for prop in ("ratingCount", "reviewCount"):
            for value in _scalars(node, prop)[:1]:
                problem = values.count_problem(value)
                where = analysis.path(node, prop)
                if problem and once(seen, label, where):
                    yield Hit(
                        page.url,
                        f"{label}: {where} {problem}",
                        analysis.evidence(node, property=where, value=value),
                        cause=cause(label, f"{where} not a positive count"),
                    )


@rule(
    "SD025",
    "breadcrumb-structure-invalid",
    severity="error",
    group="{count} pages have breadcrumb markup Google cannot order ({cause})",
)
def breadcrumb_structure_invalid(page: PageFacts, site: Site) -> Iterator[Hit]:
    """BreadcrumbList positions missing, not whole numbers or repeated; a crumb without URL.

    ## What it does
    On every BreadcrumbList: each ListItem needs a `position` that is a whole number
    (`2` or `"2"`), no two alike; every crumb but the last needs an `item` (its URL).
    Errors. Positions that do not start at 1 or skip a number are a warning (Google
    orders by position, 1 being the start of the trail).

    ## Why it matters
    Without positions Google cannot order the trail, and a crumb without URL breaks it:
    the breadcrumb is not shown in place of the URL in search results.

    ## How to fix
    Number the crumbs 1, 2, 3... in trail order, and give every crumb except the current
    page its URL in `item`.

    ## How to verify
    `seoaudit audit <url> --max-pages 1 --select SD025 --isolated --no-baseline --fail-on notice`
    exits 0; the Rich Results Test shows the Breadcrumbs item as valid.

    ## Source
    Google Search Central: "Breadcrumb (BreadcrumbList) structured data".
    """
    del site
    analysis = analyse(page)
    graph = analysis.graph
    vocab = vocabulary()
    seen: set[tuple[str, str]] = set()
    for node in _schema_nodes(analysis):
        if not any(vocab.is_a(t, "BreadcrumbList") for t in graph.types(node)):
            continue
        crumbs = graph.children(node, "itemListElement")
        if not crumbs:
            continue  # itemListElement missing: SD006
        positions = [
            values.position(next(iter(graph.values(crumb, "position")), None)) for crumb in crumbs
        ]
        problems: list[tuple[str, str, Severity | None]] = []
        if any(not graph.values(c, "position") for c in crumbs):
            problems.append(("position missing", "a ListItem has no position", None))
        elif None in positions:
            problems.append(
                ("position not a whole number", "a position is not a whole number", None)
            )
        else:
            ordered = sorted(p for p in positions if p is not None)
            if len(set(ordered)) < len(ordered):
                problems.append(("position repeated", f"positions repeat: {ordered}", None))
            elif ordered != list(range(1, len(ordered) + 1)):
                problems.append(("positions not 1, 2, 3...", f"positions are {ordered}", "warning"))
        order = sorted(
            range(len(crumbs)), key=lambda i: (positions[i] is None, positions[i] or 0, i)
        )
        if any(not graph.present(crumbs[i], "item") for i in order[:-1]):
            problems.append(("item missing", "a crumb other than the last has no item URL", None))
        for key, detail, severity in problems:
            if once(seen, "BreadcrumbList", key):
                yield Hit(
                    page.url,
                    f"BreadcrumbList: {detail}",
                    analysis.evidence(node, positions=[str(p) for p in positions]),
                    cause=cause("BreadcrumbList", key),
                    severity=severity,
                )


@rule(
    "SD032",
    "structured-data-url-not-absolute",
    severity="notice",
    group="{count} pages write structured-data URLs that are not absolute ({cause})",
)
def url_not_absolute(page: PageFacts, site: Site) -> Iterator[Hit]:
    """URL in structured data is relative, protocol-relative or not http(s).

    ## What it does
    Checks `url`, `item`, `image`, `logo`, `thumbnailUrl`, `contentUrl`, `embedUrl` and
    `sameAs` values on every node. A relative or protocol-relative URL is a notice (it
    resolves against the page, but not every consumer resolves it); a host without scheme
    (`www.example.com/x.jpg`, which resolves as a path of the page) or another scheme
    (`data:`, `javascript:`) is a warning.

    ## Why it matters
    Consumers that do not resolve relative URLs, and every consumer for a scheme-less
    host, read a URL that does not exist: the image, breadcrumb or product URL is lost.

    ## How to fix
    Write absolute `https://` URLs in the markup (build them from the site's base URL).

    ## How to verify
    `curl -s <url>` shows `https://...` values in the JSON-LD.

    ## Source
    schema.org `URL` data type; Google Search Central: "General structured data
    guidelines" (images must be crawlable URLs).
    """
    del site
    analysis = analyse(page)
    for node, label, _prop, where, value, (reason, serious) in _unreadable(
        analysis, URL_PROPERTIES, values.url_problem
    ):
        yield Hit(
            page.url,
            f"{label}: {where} {reason}",
            analysis.evidence(node, property=where, value=value),
            cause=cause(label, f"{where} not an absolute URL"),
            severity="warning" if serious else None,
        )
