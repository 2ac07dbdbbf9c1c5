"""Structured data (SD): markup that parses and is complete, yet that Google's guidelines
keep from showing. Dates that have passed, calories without servings, one product priced
in several currencies, several products on one page, a business rating itself.

Every rule reads the shared analysis of the page (``structured.analysis``); "now" is the
start of the run (``Site.started``), never the clock, so a stored run is judged the same
way whenever its rules run. Each rule returns early on pages without the types it judges:
they run on every page of large sites.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from seoaudit.crawl.urls import bare_host
from seoaudit.models import PageFacts, Severity
from seoaudit.rules.common import clip, found_signals, searchable
from seoaudit.rules.registry import Hit, rule
from seoaudit.rules.structured_values import once
from seoaudit.structured import values
from seoaudit.structured.analysis import Analysis, analyse, cause
from seoaudit.structured.graph import Graph, Node, Ref, local_name
from seoaudit.structured.vocab import vocabulary

if TYPE_CHECKING:
    from seoaudit.site import Site

MAX_NAMED = 5  # product names quoted in a finding


def _has_type(page: PageFacts, *kinds: str) -> bool:
    """Whether any block of the page carries a type that is one of ``kinds`` (or a subtype):
    the cheap test that lets a rule skip the pages it has nothing to judge on."""
    vocab = vocabulary()
    for block in page.structured_data:
        for written in block.types:
            name = local_name(written.strip())
            if name and any(vocab.is_a(name, kind) for kind in kinds):
                return True
    return False


def _is(graph: Graph, node: Node, kind: str) -> bool:
    vocab = vocabulary()
    return node.schema and any(vocab.is_a(t, kind) for t in graph.types(node))


def _strings(graph: Graph, node: Node, prop: str) -> list[str]:
    return [v.strip() for v in graph.values(node, prop) if isinstance(v, str) and v.strip()]


def _own_urls(page: PageFacts) -> set[str]:
    """The page's own URLs (as requested and as answered), without fragment: a node whose
    ``url`` is one of them names the page, not a thing of its own."""
    return {page.url.split("#", 1)[0], page.final_url.split("#", 1)[0]}


def _entity_urls(
    graph: Graph, node: Node, own: set[str], graph_values: bool = True
) -> Iterator[str]:
    """The node's ``url`` values resolved against the page (fragment dropped), other than
    the page's own; values that are no URL ("http://[oops/") are skipped (SD032's).
    ``graph_values=False`` reads the node's own definition only."""
    written = (
        _strings(graph, node, "url")
        if graph_values
        else [v.strip() for v in node.props.get("url", []) if isinstance(v, str) and v.strip()]
    )
    for url in written:
        try:
            resolved = urljoin(graph.base, url).split("#", 1)[0]
        except ValueError:
            continue
        if resolved not in own:
            yield resolved


def _listing(names: list[str]) -> str:
    """The first MAX_NAMED names quoted, then "..." when there are more."""
    return ", ".join(repr(n) for n in names[:MAX_NAMED]) + (
        ", ..." if len(names) > MAX_NAMED else ""
    )


def _named(graph: Graph, node: Node) -> str:
    """`` 'Alpine Tent'``: the node's first name, quoted after a space, for a message."""
    name = next(iter(_strings(graph, node, "name")), "")
    return f" {clip(name, 80)!r}" if name else ""


# ---------------------------------------------------------------------------------------
# SD021: dates that have passed
# ---------------------------------------------------------------------------------------


def _latest(graph: Graph, node: Node, prop: str) -> tuple[str, datetime] | None:
    """(value as written, latest instant) of the latest readable date of ``prop``;
    unreadable dates are SD010's."""
    found = [(v, values.latest_instant(v)) for v in _strings(graph, node, prop)]
    readable = [(v, when) for v, when in found if when is not None]
    return max(readable, key=lambda pair: pair[1]) if readable else None


def _listed_event(analysis: Analysis, node: Node) -> bool:
    """An Event Google reads as one: a top-level node or item, or an entry of a list.
    Events nested as a sub-event, a place's event or a video's broadcast are left alone."""
    item, _path = analysis.owner(node)
    return node is item or node.parent is None or node.via in ("itemListElement", "item")


def _postponed(graph: Graph, node: Node) -> bool:
    """``EventPostponed`` keeps its original ``startDate`` until the new one is known."""
    return any(local_name(s) == "EventPostponed" for s in _strings(graph, node, "eventStatus"))


Dated = tuple[Node, str, str, datetime, str]  # node, property, value, latest instant, kind


def _time_bound(analysis: Analysis) -> Iterator[Dated]:
    """Each time-bound date on the page, with its kind (one of ``_WHAT``'s keys); the
    caller decides whether it has passed."""
    graph = analysis.graph
    for node in graph.nodes:
        if not node.schema:
            continue
        props = graph.props(node)
        if "priceValidUntil" in props:
            yield from _dated(graph, node, "priceValidUntil", "price")
        if "validThrough" in props and _is(graph, node, "JobPosting"):
            yield from _dated(graph, node, "validThrough", "job")
        if "expires" in props and _is(graph, node, "VideoObject"):
            yield from _dated(graph, node, "expires", "video")
        if (
            ("endDate" in props or "startDate" in props)
            and "eventSchedule" not in props  # a recurring event: the schedule is what counts
            and _is(graph, node, "Event")
            and _listed_event(analysis, node)
            and not _postponed(graph, node)
        ):
            if "endDate" in props:
                yield from _dated(graph, node, "endDate", "event")
            else:
                yield from _dated(graph, node, "startDate", "event-start")


def _dated(graph: Graph, node: Node, prop: str, kind: str) -> Iterator[Dated]:
    latest = _latest(graph, node, prop)
    if latest is not None:
        yield node, prop, latest[0], latest[1], kind


_WHAT = {
    "price": "Google may drop the price from the result",
    "event": "the event is over, but the page still marks it up",
    "event-start": "the event has begun and gives no endDate, yet the page still marks it up",
    "job": "Google treats the job as expired (answer 404 or 410 once the page is not needed)",
    "video": "the video is marked as no longer available, so Google stops showing it",
}


@rule(
    "SD021",
    "structured-data-date-passed",
    severity="warning",
    group="{count} pages mark up prices, events, jobs or videos whose date has passed ({cause})",
)
def stale_time_bound_data(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A price, event, job posting or video whose end date has passed by the crawl.

    ## What it does
    Compares time-bound dates with the start of the run (not the clock, so a stored run
    is judged the same way later): `priceValidUntil` of any offer; the `endDate` of an
    Event (its `startDate` when it has no end), for events that are items of their own or
    entries of a list; `validThrough` of a JobPosting; `expires` of a VideoObject. A date
    counts as passed only once it has passed everywhere: a date without time at the end
    of its day, a time without offset in the last time zone (UTC-12). Left alone:
    postponed events (`EventPostponed` keeps the original date until a new one is
    known), recurring events with an `eventSchedule`, unreadable dates (SD010), and
    pages that are not indexable or did not answer 200.

    A warning. For a job posting, an error when the site still presents the page (it is
    listed in a sitemap or linked from several pages), a notice otherwise: a past
    `validThrough` is one of the ways Google documents to mark a job expired, so on a
    page the site no longer presents it is correct (removing the page is better still).

    ## Why it matters
    Expired time-sensitive content earns no rich result: a past `priceValidUntil` can
    cost the product snippet its price, a past event is no longer shown, and an expired
    job still presented as open is a policy violation that risks a manual action on the
    site's job postings.

    ## How to fix
    Generate the dates from the data that drives them: move `priceValidUntil` forward
    (or drop it when the price has no end), drop events that are over from the markup
    (or the page), and take expired jobs down (404/410, noindex) or out of listings and
    sitemaps.

    ## How to verify
    `curl -s <url>` shows no date before today in those properties;
    `seoaudit audit <url> --max-pages 1 --select SD021 --isolated --no-baseline --fail-on notice`
    exits 0.

    ## Source
    Google Search Central: "General structured data guidelines" (up-to-date information);
    "Product snippet structured data" (priceValidUntil); "Job posting structured data"
    (remove expired job postings); "Event structured data"; "Video structured data"
    (expires).
    """
    if not page.structured_data or site.started is None or not searchable(page, site):
        return
    now = site.started
    analysis = analyse(page)
    seen: set[tuple[str, str]] = set()
    for node, prop, value, when, kind in _time_bound(analysis):
        if when >= now:
            continue
        label = analysis.label(node)
        where = analysis.path(node, prop)
        if not once(seen, label, where):
            continue
        severity: Severity | None = None
        what = _WHAT[kind]
        if kind == "job":
            reasons, _sitemaps, _inlinks = found_signals(page, site)
            severity = "error" if reasons else "notice"
            if reasons:
                what = f"the job has expired, yet the site still presents it ({', '.join(reasons)})"
        yield Hit(
            page.url,
            f"{label}: {where} {clip(value, 60)!r} is before the crawl "
            f"({now.date().isoformat()}): {what}",
            analysis.evidence(node, property=where, value=clip(value), crawled=now.isoformat()),
            cause=cause(label, f"{where} in the past"),
            severity=severity,
        )


# ---------------------------------------------------------------------------------------
# SD024: calories without servings
# ---------------------------------------------------------------------------------------


@rule(
    "SD024",
    "recipe-calories-without-yield",
    severity="error",
    group="{count} pages give recipe calories without the number of servings ({cause})",
)
def recipe_calories_without_yield(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Recipe gives `nutrition.calories` but no `recipeYield`.

    ## What it does
    Flags every Recipe (an item, or nested, e.g. in a list) whose `nutrition` carries
    `calories` while the recipe has no `recipeYield`.

    ## Why it matters
    Google reads nutrition as per serving: it requires `recipeYield` (the number of
    servings) whenever nutrition such as calories is given, and without it the recipe
    result is invalid.

    ## How to fix
    Add `"recipeYield": "4"` (the number of servings; a text such as `"4 servings"` or a
    list with the number first also works) from the same field the page shows, or drop
    the nutrition block.

    ## How to verify
    `curl -s <url>` shows `recipeYield` next to `nutrition`; the Rich Results Test shows
    the recipe as valid.

    ## Source
    Google Search Central: "Recipe structured data" (`recipeYield`: required when
    nutrition per serving is specified).
    """
    del site
    if not _has_type(page, "Recipe"):
        return
    analysis = analyse(page)
    graph = analysis.graph
    seen: set[tuple[str, str]] = set()
    for node in graph.nodes:
        if not _is(graph, node, "Recipe") or not graph.present(node, "nutrition.calories"):
            continue
        if graph.present(node, "recipeYield"):
            continue
        label = analysis.label(node)
        where = analysis.path(node, "recipeYield")
        if not once(seen, label, where):
            continue
        calories = next(
            (
                clip(str(v), 60)
                for n in graph.children(node, "nutrition")
                for v in graph.values(n, "calories")
                if isinstance(v, (str, int, float))
            ),
            None,
        )
        yield Hit(
            page.url,
            f"{label}: nutrition.calories ({calories}) is given but {where} is missing: "
            "Google needs the number of servings the calories are for",
            analysis.evidence(node, property=where, calories=calories),
            cause=cause(label, f"nutrition.calories without {where}"),
        )


# ---------------------------------------------------------------------------------------
# SD030: one product, several currencies
# ---------------------------------------------------------------------------------------


def _currencies(graph: Graph, product: Node) -> list[str]:
    """The ISO 4217 codes of a product's offers (their own, their priceSpecification's and
    those of the offers an AggregateOffer groups). Codes that are not ISO 4217 are SD008's."""
    known = vocabulary().currencies
    found: list[str] = []
    offers = graph.children(product, "offers")
    for offer in [*offers, *(o for a in offers for o in graph.children(a, "offers"))]:
        for owner in (offer, *graph.children(offer, "priceSpecification")):
            for code in _strings(graph, owner, "priceCurrency"):
                code = code.upper()
                if code in known and code not in found:
                    found.append(code)
    return found


@rule(
    "SD030",
    "product-offers-in-several-currencies",
    severity="notice",
    group="{count} pages price one product in several currencies ({cause})",
)
def offers_in_several_currencies(page: PageFacts, site: Site) -> Iterator[Hit]:
    """One product's offers on one URL are priced in more than one currency.

    ## What it does
    For each Product (and subtype), collects the `priceCurrency` of its offers (of the
    Offers an AggregateOffer groups too, and of `priceSpecification`) and flags a
    product offered in two or more ISO 4217 currencies. Different products in different
    currencies are fine; shipping rates are not counted; invalid codes are SD008's.

    ## Why it matters
    Google's merchant listings expect one currency per URL: a page that offers the same
    product in EUR and USD leaves Google to pick one, which may not be the one shown to
    the searcher, and the price shown in Shopping can be wrong for the market.

    ## How to fix
    Serve each currency (usually each market) on its own URL (`/en-us/...`,
    `/de-de/...`, or a `?currency=` parameter that is a separate URL), each with the
    offer in its one currency, and connect the versions with hreflang.

    ## How to verify
    `curl -s <url>` shows one `priceCurrency` value per product.

    ## Source
    Google Search Central: "Merchant listing structured data" (use a distinct URL for
    each currency).
    """
    del site
    if not _has_type(page, "Product"):
        return
    analysis = analyse(page)
    graph = analysis.graph
    seen: set[str] = set()
    for node in graph.nodes:
        key = node.id or node.key
        if key in seen or not _is(graph, node, "Product"):
            continue
        seen.add(key)
        codes = _currencies(graph, node)
        if len(codes) < 2:
            continue
        label = analysis.label(node)
        named = _named(graph, node)
        yield Hit(
            page.url,
            f"{label}{named}: offers are priced in {' and '.join(codes)} on one URL; Google "
            "expects one currency per URL",
            analysis.evidence(node, property=analysis.path(node, "offers"), currencies=codes),
            cause=cause(label, "offers in several currencies"),
        )


# ---------------------------------------------------------------------------------------
# SD020: several products on one page
# ---------------------------------------------------------------------------------------


class _Families:
    """Union-find over the keys that make two Product nodes one product (or one family
    of variants): a shared key joins them."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def join(self, keys: Iterable[str]) -> str:
        keys = list(keys)
        root = self.find(keys[0])
        for key in keys[1:]:
            other = self.find(key)
            if other != root:
                self.parent[other] = root
        return root


_IDENTIFIERS = ("sku", "mpn", "gtin", "gtin8", "gtin12", "gtin13", "gtin14", "productID")


def _keys(graph: Graph, node: Node, own: set[str]) -> list[str]:
    """What names one product: its node, ``@id``, URL (other than the page's own),
    identifiers, name, and the product group it belongs to."""
    keys = [f"node {id(node)}"]
    if node.id is not None:
        keys.append(f"id {node.id}")
    keys.extend(f"url {url}" for url in _entity_urls(graph, node, own))
    keys.extend(f"{p} {v}" for p in _IDENTIFIERS for v in _strings(graph, node, p))
    keys.extend(f"name {v.casefold()}" for v in _strings(graph, node, "name"))
    for prop in ("productGroupID", "inProductGroupWithID"):
        keys.extend(f"group {v}" for v in _strings(graph, node, prop))
    return keys


def _relatives(graph: Graph, node: Node, own: set[str]) -> Iterator[str]:
    """Keys of the nodes ``node`` is a variant of, or that are variants of it."""
    if node.parent is not None and node.via in ("hasVariant", "isVariantOf"):
        yield from _keys(graph, node.parent, own)
    for prop in ("hasVariant", "isVariantOf"):
        for value in graph.values(node, prop):
            if isinstance(value, Ref):
                yield f"id {value.id}"
            elif isinstance(value, Node):
                yield from _keys(graph, value, own)


def _listed_products(analysis: Analysis) -> Iterator[tuple[Node, bool]]:
    """(product, in a list) for each Product Google could read as a result of its own:
    a rich-result item, or an entry of a list (``itemListElement``, ``ListItem.item``).
    Products nested in another product (``isRelatedTo``, ``isSimilarTo``, accessories,
    ``itemOffered``, variants) describe that product, not a result of their own."""
    graph = analysis.graph
    for item in analysis.items:
        if _is(graph, item, "Product"):
            yield item, False
    for node in graph.nodes:
        if node.via in ("itemListElement", "item") and _is(graph, node, "Product"):
            yield node, True
    for _holder, prop, target in graph.refs:
        if prop in ("itemListElement", "item"):
            for node in graph.by_id.get(target, ())[:1]:
                if _is(graph, node, "Product"):
                    yield node, True


@rule(
    "SD020",
    "several-products-on-one-page",
    severity="warning",
    group="{count} pages mark up several different products; product results are for "
    "single-product pages ({cause})",
)
def several_products_on_one_page(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Several different Products marked up on one URL (a category, search or list page).

    ## What it does
    Counts the products on the page that Google could read as results of their own
    (Product items, `mainEntity` values, and Products in an `ItemList`, directly or as
    `ListItem.item`) and flags the page when they are two or more different products.
    Products nested inside another product (`isRelatedTo`, `isSimilarTo`,
    `isAccessoryOrSparePartFor`, an offer's `itemOffered`) are part of it, not counted.

    Treated as one product: nodes sharing an `@id`, a `url` (other than the page's own),
    an identifier (`sku`, `mpn`, `gtin*`, `productID`) or a name (the same product
    written twice, e.g. in JSON-LD and Microdata). Treated as variants of one product: a
    `ProductGroup` and the products of its `hasVariant`; products whose `isVariantOf`
    names the same group; products sharing an `inProductGroupWithID` (or matching the
    group's `productGroupID`).

    ## Why it matters
    Product snippets and merchant listings are for pages about one product (or its
    variants). On a category page the markup earns no product result; Google's
    guidelines ask for markup of a specific product, not a category or list of
    products, and markup against the guidelines can lead to a structured-data manual
    action.

    One exception: Google's structured-data carousel (beta, only in the EEA, Türkiye
    and South Africa) asks for exactly an `ItemList` of Products on a category page. If
    you deliberately target it, ignore SD020 for those URLs (`per_url_ignores`).

    ## How to fix
    Mark up each product on its own page. On category pages, list the products as an
    `ItemList` of `ListItem`s with `position` and `url` only, or drop the markup.

    ## How to verify
    `curl -s <url>` shows no more than one product (or one product group) in the
    markup; the Rich Results Test shows at most one Product item.

    ## Source
    Google Search Central: "Merchant listing structured data" (technical guidelines:
    product pages only); "Product snippet structured data" (a specific product, not a
    category or list of products); "Structured data carousels (beta)".
    """
    del site
    if not _has_type(page, "Product"):
        return
    analysis = analyse(page)
    graph = analysis.graph
    listed = list(_listed_products(analysis))
    if len({id(node) for node, _in_list in listed}) < 2:
        return
    order = {id(node): i for i, node in enumerate(graph.nodes)}
    listed.sort(key=lambda pair: order[id(pair[0])])
    own = _own_urls(page)
    families = _Families()
    for node in graph.nodes:
        if _is(graph, node, "Product"):
            families.join([*_keys(graph, node, own), *_relatives(graph, node, own)])
    products: dict[str, str] = {}  # family -> a name
    for node, _from_list in listed:
        family = families.find(f"node {id(node)}")
        if family not in products:
            products[family] = clip(next(iter(_strings(graph, node, "name")), node.key), 80)
    if len(products) < 2:
        return
    in_list = any(from_list for _node, from_list in listed)
    names = list(products.values())
    shown = _listing(names)
    where = "in an ItemList" if in_list else "on one page"
    hint = ": list them by URL (ListItem.url) instead" if in_list else ""
    first = listed[0][0]
    yield Hit(
        page.url,
        f"{len(names)} different products are marked up {where} ({shown}); Google shows "
        f"product results only for pages about one product or its variants{hint}",
        analysis.evidence(first, products=len(names), names=names[:MAX_NAMED]),
        cause=cause("Product", f"several products {where}"),
    )


# ---------------------------------------------------------------------------------------
# SD014: a business rating itself
# ---------------------------------------------------------------------------------------


def _home(value: str, base: str, hosts: set[str]) -> bool:
    """Whether ``value`` resolves to the home page of one of ``hosts`` (any scheme, with
    or without ``www.``, a fragment allowed: ``https://example.com/#organization``)."""
    try:
        parts = urlsplit(urljoin(base, value))
    except ValueError:
        return False
    host = (parts.hostname or "").removeprefix("www.")
    return host in hosts and parts.path in ("", "/") and not parts.query


def _own_business(graph: Graph, node: Node, hosts: set[str], published: set[str]) -> str | None:
    """Why ``node`` is the site's own business, or None when that is not certain: its
    ``@id``, ``url`` or ``sameAs`` is the site's home page, or it is the ``publisher`` of
    the page's other nodes. A business with a deep URL (a listing on a directory) or
    without any of these is not judged."""
    for prop in ("url", "sameAs"):
        for value in _strings(graph, node, prop):
            if _home(value, graph.base, hosts):
                return f"its {prop} is the site's home page"
    if node.id is not None and _home(node.id, graph.base, hosts):
        return "its @id is the site's home page"
    if node.via == "publisher" or (node.id is not None and node.id in published):
        return "it is the publisher of the page"
    return None


def _reviewed(graph: Graph) -> set[int]:
    """``id()`` of the nodes that a Review or AggregateRating on the page names in
    ``itemReviewed`` (nested, or by ``@id``)."""
    found: set[int] = set()
    for node in graph.nodes:
        if not (_is(graph, node, "Review") or _is(graph, node, "AggregateRating")):
            continue
        for target in graph.children(node, "itemReviewed"):
            found.update(id(d) for d in graph.by_id.get(target.id or "", [target]))
    return found


@rule(
    "SD014",
    "self-serving-review-markup",
    severity="warning",
    group="{count} pages mark up reviews of the site's own business ({cause})",
)
def self_serving_reviews(page: PageFacts, site: Site) -> Iterator[Hit]:
    """The site's own Organization or LocalBusiness carries review or rating markup.

    ## What it does
    Flags an Organization or LocalBusiness node (or subtype) that is the site's own
    business and carries `aggregateRating` or `review`, or that a Review or
    AggregateRating on the page names as `itemReviewed` (testimonials, embedded review
    widgets). "Own business" is decided conservatively: the node's `url`, `sameAs` or
    `@id` is the home page of the site's host (`https://example.com/`,
    `https://www.example.com/#organization`), or the node is the `publisher` of the
    page's other nodes (WebSite, WebPage, Article). Businesses with a deeper URL (a
    listing on a review or directory site) or with no URL at all are not judged.

    ## Why it matters
    Google shows no review stars for reviews an organization publishes about itself
    (self-serving reviews), whether written on the site or pulled in from a review
    widget: the markup earns nothing, and repeated use risks a structured-data manual
    action.

    ## How to fix
    Remove `aggregateRating` and `review` from the business's own markup (and the
    Reviews that name it as `itemReviewed`); keep reviews on the products or services
    the business sells, where they are allowed.

    ## How to verify
    `curl -s <url>` shows no `aggregateRating` or `review` on the Organization or
    LocalBusiness; the Rich Results Test shows no review snippet for it.

    ## Source
    Google Search Central: "Review snippet structured data" (self-serving reviews are
    not allowed for LocalBusiness and Organization); "Local business structured data".
    """
    del site
    if not _has_type(page, "Organization"):
        return
    analysis = analyse(page)
    graph = analysis.graph
    businesses = [n for n in graph.nodes if _is(graph, n, "Organization")]
    hosts = {bare_host(page.url), bare_host(page.final_url)} - {""}
    published = {target for _node, prop, target in graph.refs if prop == "publisher"}
    reviewed: set[int] | None = None
    seen: set[str] = set()
    for node in businesses:
        rated = [p for p in ("aggregateRating", "review") if graph.present(node, p)]
        what = f"carries {' and '.join(rated)}"
        if not rated:
            reviewed = _reviewed(graph) if reviewed is None else reviewed
            if id(node) not in reviewed:
                continue
            rated, what = ["itemReviewed"], "is the itemReviewed of reviews on the page"
        why = _own_business(graph, node, hosts, published)
        if why is None or (node.id or node.key) in seen:
            continue
        seen.add(node.id or node.key)
        named = _named(graph, node)
        yield Hit(
            page.url,
            f"{node.label}{named} is the site's own business ({why}) and {what}: Google "
            "shows no review stars for reviews a business publishes about itself",
            analysis.evidence(node, business=node.label, properties=rated, reason=why),
            cause=cause(node.label, "reviews of the site's own business"),
        )


# ---------------------------------------------------------------------------------------
# SD023: events Google does not show
# ---------------------------------------------------------------------------------------


def _virtual_only(graph: Graph, event: Node) -> list[str] | None:
    """What the event's ``location`` gives (``VirtualLocation``, a URL) when none of it is
    a physical place; None when a location is a Place, an address or text (not judged),
    is an unresolved reference, or is missing (SD005)."""
    found: list[str] = []
    for value in graph.values(event, "location"):
        if isinstance(value, str):
            text = value.strip()
            if not text.lower().startswith(("http://", "https://")):
                return None  # free text may be an address: not judged
            found.append(f"URL {clip(text, 60)!r}")
            continue
        nodes = graph.resolve(value)
        if not nodes or not _is(graph, nodes[0], "VirtualLocation"):
            return None
        found.append("VirtualLocation")
    return found or None


def _event_keys(graph: Graph, node: Node, own: set[str]) -> list[str]:
    """What names one event: its node, ``@id``, URL (other than the page's own), and its
    name with its start date (the same event written in JSON-LD and Microdata)."""
    keys = [f"node {id(node)}"]
    if node.id is not None:
        keys.append(f"id {node.id}")
    keys.extend(f"url {url}" for url in _entity_urls(graph, node, own))
    starts = _strings(graph, node, "startDate")
    keys.extend(
        f"name {name.casefold()} {start}"
        for name in _strings(graph, node, "name")
        for start in starts
    )
    return keys


@rule(
    "SD023",
    "event-not-eligible",
    severity="warning",
    group="{count} pages mark up events Google does not show as events ({cause})",
)
def event_not_eligible(page: PageFacts, site: Site) -> Iterator[Hit]:
    """An Event held only online, or several different events marked up on one page.

    ## What it does
    Checks two parts of the trigger, for events that are items of their own or entries of
    a list (sub-events and events nested in another item are left alone):

    - an Event whose every `location` is a `VirtualLocation` (or a bare URL): no physical
      place at all. A `location` that is a Place, a PostalAddress or free text is not
      judged here; a missing `location` or a Place without `address` is SD005's.
    - two or more different events on one URL (an events listing or calendar page).
      Treated as one event: nodes sharing an `@id`, a `url` (other than the page's own),
      or a name and start date (one event in JSON-LD and Microdata).

    Not checked here: a cancelled or postponed event that dropped its `startDate`
    (`startDate` is required, so SD005 reports it).

    ## Why it matters
    Google's event experience is for events held at a physical place, each described on
    a page of its own: an event with only a virtual location, or events marked up
    together on a listing page, are not eligible, so the markup earns nothing.

    ## How to fix
    Give each physical event its own URL with one Event whose `location` is a `Place`
    with a full `address`; link listing pages to those URLs instead of marking up every
    event there. When an event is cancelled or moved, keep its dates and set
    `eventStatus` (`EventCancelled`, `EventPostponed`, `EventRescheduled`).

    ## How to verify
    `curl -s <url>` shows one Event with a Place `location`;
    `seoaudit audit <url> --max-pages 1 --select SD023 --isolated --no-baseline --fail-on notice`
    exits 0.

    ## Source
    Google Search Central: "Event structured data" (guidelines: one event per page,
    Place location with address; online events).
    """
    del site
    if not _has_type(page, "Event"):
        return
    analysis = analyse(page)
    graph = analysis.graph
    events = [n for n in graph.nodes if _is(graph, n, "Event") and _listed_event(analysis, n)]
    seen: set[str] = set()
    for node in events:
        where = _virtual_only(graph, node)
        if where is None or (node.id or node.key) in seen:
            continue
        seen.add(node.id or node.key)
        label = analysis.label(node)
        path = analysis.path(node, "location")
        yield Hit(
            page.url,
            f"{label}{_named(graph, node)}: {path} is only {' and '.join(where)}, no "
            "physical place: Google's event results are for events held at a place",
            analysis.evidence(node, property=path, location=where),
            cause=cause(label, "online-only location"),
        )
    if len(events) < 2:
        return
    own = _own_urls(page)
    families = _Families()
    for node in events:
        families.join(_event_keys(graph, node, own))
    different: dict[str, str] = {}  # family -> a name
    for node in events:
        family = families.find(f"node {id(node)}")
        if family not in different:
            different[family] = clip(next(iter(_strings(graph, node, "name")), node.key), 80)
    if len(different) < 2:
        return
    names = list(different.values())
    shown = _listing(names)
    yield Hit(
        page.url,
        f"{len(names)} different events are marked up on one page ({shown}): Google reads "
        "events from pages about one event; link to each event's own page instead",
        analysis.evidence(events[0], events=len(names), names=names[:MAX_NAMED]),
        cause=cause("Event", "several events on one page"),
    )


# ---------------------------------------------------------------------------------------
# SD026: Dataset description length, Course lists too small
# ---------------------------------------------------------------------------------------

DESCRIPTION_RANGE = (50, 5000)  # Dataset.description, characters (Google's limits)
MIN_COURSES = 3  # Course list: courses in the carousel ItemList


def _list_courses(graph: Graph, node: Node) -> tuple[int, int]:
    """(Course entries, all entries) of an ItemList: an entry is a Course itself or a
    ListItem whose ``item`` is one; entries that are URLs only count as entries."""
    courses = entries = 0
    for value in graph.values(node, "itemListElement"):
        entries += 1
        for element in graph.resolve(value)[:1]:
            targets = [element, *graph.children(element, "item")]
            courses += any(_is(graph, t, "Course") for t in targets)
    return courses, entries


@rule(
    "SD026",
    "dataset-description-or-course-list-ineligible",
    severity="error",
    group="{count} pages break Google's limits for datasets or course lists ({cause})",
)
def dataset_or_course_list_limits(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A Dataset `description` outside 50-5,000 characters, or a Course list with fewer
    than 3 courses.

    ## What it does
    Flags every Dataset (an item, or nested, e.g. in a DataCatalog) whose `description`
    is shorter than 50 or longer than 5,000 characters (spaces at the ends not counted;
    a missing description is SD005's). Flags every ItemList that lists Courses (entries
    that are a Course, or a ListItem whose `item` is one) with fewer than 3 Course
    entries. A list of URLs only is not judged (the courses are on other pages), nor is
    a course page without any ItemList (a course detail page).

    ## Why it matters
    Both are documented eligibility limits: Dataset Search needs a description of 50 to
    5,000 characters, and the Course list rich result needs at least three courses in
    its ItemList. Outside them the markup is invalid and earns no result.

    ## How to fix
    Write a dataset description of at least 50 characters that says what the data is
    (cut it below 5,000; link to the full documentation). For course lists, list at
    least three courses in the ItemList, or drop the list markup on pages with fewer.

    ## How to verify
    `curl -s <url>` shows a description of 50-5,000 characters and ItemLists of three
    or more Courses;
    `seoaudit audit <url> --max-pages 1 --select SD026 --isolated --no-baseline --fail-on notice`
    exits 0.

    ## Source
    Google Search Central: "Dataset structured data" (`description`: between 50 and
    5000 characters); "Course list structured data" (at least three courses).
    """
    del site
    if not _has_type(page, "Dataset", "Course"):
        return
    analysis = analyse(page)
    graph = analysis.graph
    low, high = DESCRIPTION_RANGE
    seen: set[str] = set()
    for node in graph.nodes:
        if not node.schema or (node.id or node.key) in seen:
            continue
        if _is(graph, node, "Dataset"):
            described = _strings(graph, node, "description")
            if not described:
                continue
            seen.add(node.id or node.key)
            text = max(described, key=len)
            if low <= len(text) <= high:
                continue
            label = analysis.label(node)
            where = analysis.path(node, "description")
            side = "short" if len(text) < low else "long"
            yield Hit(
                page.url,
                f"{label}{_named(graph, node)}: {where} is {len(text)} characters "
                f"({clip(text, 60)!r}); Google needs {low} to {high}",
                analysis.evidence(node, property=where, length=len(text), value=clip(text)),
                cause=cause(label, f"{where} too {side}"),
            )
        elif _is(graph, node, "ItemList"):
            courses, entries = _list_courses(graph, node)
            if courses == 0 or courses >= MIN_COURSES:
                continue
            seen.add(node.id or node.key)
            label = analysis.label(node)
            yield Hit(
                page.url,
                f"{label}: lists {courses} Course{'s' if courses > 1 else ''} "
                f"({entries} entries); a Course list needs at least {MIN_COURSES} courses",
                analysis.evidence(node, courses=courses, entries=entries),
                cause=cause("Course list", f"fewer than {MIN_COURSES} courses"),
            )


# ---------------------------------------------------------------------------------------
# SD027: one entity, conflicting values in JSON-LD and Microdata
# ---------------------------------------------------------------------------------------

_COMPARED = (
    "name",
    "offers.price",
    "offers.priceCurrency",
    "aggregateRating.ratingValue",
    "aggregateRating.reviewCount",
)
_SAME = ("url", *_IDENTIFIERS)  # with @id: what makes two nodes one entity


def _identity(graph: Graph, node: Node, own: set[str]) -> set[str]:
    """The node's ``@id``, ``url`` (other than the page's own) and product identifiers,
    from its own definition: the keys that make a JSON-LD and a Microdata node one entity."""
    keys = {f"id {node.id}"} if node.id is not None else set()
    keys.update(f"url {url}" for url in _entity_urls(graph, node, own, graph_values=False))
    for prop in _SAME:
        if prop == "url":
            continue
        for value in node.props.get(prop, []):
            if isinstance(value, str) and value.strip():
                keys.add(f"{prop} {value.strip()}")
    return keys


_PLAIN_NUMBER = re.compile(r"-?\d{1,30}(?:\.\d{1,30})?", re.ASCII)


def _comparable(value: object) -> str | None:
    """A value as compared: numbers by value (``10.00`` is ``10``), text casefolded with
    runs of spaces as one."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    text = " ".join(str(value).split()).casefold()
    if _PLAIN_NUMBER.fullmatch(text) is None:  # not "1e999999999", "NaN" or "１２"
        return text or None
    try:
        return format(Decimal(text).normalize(), "f")
    except ArithmeticError:  # decimal.InvalidOperation, Overflow
        return text


def _written(graph: Graph, node: Node, path: str) -> dict[str, str]:
    """Comparable value -> value as written, of a dotted path; the first step reads the
    node's own definition (two definitions of one ``@id`` are merged by the graph)."""
    head, _, rest = path.partition(".")
    found: dict[str, str] = {}
    for value in node.props.get(head, []):
        if rest:
            for child in graph.resolve(value):
                found.update(_written(graph, child, rest))
            continue
        key = _comparable(value)
        if key is not None:
            found.setdefault(key, str(value))
    return found


@rule(
    "SD027",
    "inconsistent-duplicate-markup",
    severity="warning",
    group="{count} pages describe one entity in JSON-LD and Microdata with different "
    "values ({cause})",
)
def inconsistent_duplicate_markup(page: PageFacts, site: Site) -> Iterator[Hit]:
    """One entity marked up in JSON-LD and in Microdata with values that disagree.

    ## What it does
    Pairs a JSON-LD node with a Microdata node of a common type that are, conservatively,
    the same entity: they share an `@id` (Microdata `itemid`), a `url` other than the
    page's own, or a product identifier (`sku`, `mpn`, `gtin*`, `productID`). A shared
    name alone does not pair them. For each pair it compares `name`, `offers.price`,
    `offers.priceCurrency`, `aggregateRating.ratingValue` and
    `aggregateRating.reviewCount`, and flags a property that both give with no value in
    common (numbers by value, so `10.00` equals `10`; text ignoring case and spacing).

    Not checked: RDFa (not read into the page's graph), and two JSON-LD blocks for one
    product with different offers.

    ## Why it matters
    Google merges what it reads about one entity; when the formats disagree it may pick
    either value, so the price or rating in the result can differ from the one on the
    page (a mismatch with visible content is against the structured-data guidelines).
    It usually means two templates or plugins emit markup from different sources.

    ## How to fix
    Keep one source of truth per entity: remove one of the two markups (usually the
    Microdata left in an old template), or generate both from the same fields.

    ## How to verify
    `curl -s <url>` shows the entity once, or the same values in both formats;
    `seoaudit audit <url> --max-pages 1 --select SD027 --isolated --no-baseline --fail-on notice`
    exits 0.

    ## Source
    Google Search Central: "General structured data guidelines" (markup must match the
    visible content; multiple items on a page).
    """
    del site
    formats = {block.format for block in page.structured_data if block.error is None}
    if not {"json-ld", "microdata"} <= formats:
        return
    analysis = analyse(page)
    graph = analysis.graph
    own = _own_urls(page)
    keyed = [(n, _identity(graph, n, own)) for n in graph.nodes if n.schema and n.types]
    micro = [(n, k) for n, k in keyed if k and n.format == "microdata"]
    if not micro:
        return
    seen: set[tuple[str, str]] = set()
    for node, keys in keyed:
        if node.format != "json-ld" or not keys:
            continue
        for other, other_keys in micro:
            if not keys & other_keys or not set(node.types) & set(other.types):
                continue
            for path in _COMPARED:
                mine, theirs = _written(graph, node, path), _written(graph, other, path)
                if not mine or not theirs or mine.keys() & theirs.keys():
                    continue
                label = analysis.label(node)
                where = analysis.path(node, path)
                if not once(seen, label, where):
                    continue
                shown = [clip(v, 60) for v in mine.values()][:MAX_NAMED]
                other_shown = [clip(v, 60) for v in theirs.values()][:MAX_NAMED]
                yield Hit(
                    page.url,
                    f"{label}{_named(graph, node)}: {where} is {', '.join(map(repr, shown))} "
                    f"in JSON-LD but {', '.join(map(repr, other_shown))} in Microdata for the "
                    "same entity: Google may show either",
                    analysis.evidence(node, property=where, json_ld=shown, microdata=other_shown),
                    cause=cause(label, f"{where} differs between JSON-LD and Microdata"),
                )
