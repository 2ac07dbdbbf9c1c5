"""On-page basics (ONP): titles, meta descriptions, headings, image alt text, language,
viewport, meta keywords, thin content, mixed content and rel=next/prev pagination, as an
indexable page serves them.

Every page rule here starts from ``common.searchable`` (an indexable HTML page answering
200), except mixed content, which breaks any https page, and pagination, whose links are
followed from any page. Lengths and word counts are tool
conventions read from ``Thresholds``. Duplicate titles and descriptions are site rules over
``site.summaries()``, grouped by ``common.duplicate_cause``. Stuffed titles (one word
repeated) are counted without the site name: the domain's name, and the title part that
many pages' titles share (``_title_branding``, built once per Site).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from seoaudit.crawl.urls import SECOND_LEVELS
from seoaudit.extract.encoding import codec_for
from seoaudit.extract.scripts import SCRIPT_NAMES, script_counts
from seoaudit.models import PageFacts, Resource
from seoaudit.persite import per_site
from seoaudit.rules.common import (
    clip,
    duplicate_cause,
    is_paginated,
    limits,
    refreshes_away,
    searchable,
)
from seoaudit.rules.registry import Hit, rule
from seoaudit.rules.render_resources import CLIENT_RENDERED_WORDS
from seoaudit.rules.status_codes import soft_404s

if TYPE_CHECKING:
    from seoaudit.site import Site
    from seoaudit.summary import PageSummary

MAX_LISTED = 20
# BCP 47 shape (RFC 5646): a 2-3 or 5-8 letter language subtag, then subtags of 1-8
# letters or digits. Enough to catch "en_US", "english" typos and empty values.
_LANG = re.compile(r"^(?:[A-Za-z]{2,3}|[A-Za-z]{5,8}|[iIxX])(?:-[A-Za-z0-9]{1,8})*$")
_PIXEL = frozenset({"0", "1", "0px", "1px"})  # tracking pixels need no alt text
# Mixed content a browser blocks (scripts, styles, frames); images are upgraded or shown.
_BLOCKABLE = frozenset({"script", "stylesheet", "iframe"})


def _count(number: int, noun: str) -> str:
    """The number and the noun, in the plural unless one: 1 image, 3 images."""
    return f"{number} {noun}" + ("" if number == 1 else "s")


# -- titles --------------------------------------------------------------------------------


@rule("ONP001", "missing-title", severity="error", group="{count} pages have no title")
def missing_title(page: PageFacts, site: Site) -> Iterator[Hit]:
    """An indexable page has no `<title>`, or an empty one.

    ## What it does
    Flags indexable HTML pages answering 200 with no `<title>` element, or whose title is
    empty or whitespace only (a `<title>` inside an inline `<svg>` does not count).

    ## Why it matters
    The title is the main source of the title link in search results. Without one Google
    invents a title from other text on the page, which is usually less compelling and
    costs clicks; browser tabs and bookmarks show the bare URL.

    ## How to fix
    Give every page a unique, descriptive `<title>` in the `<head>`, generated from the
    page's main subject (product name, article headline) plus a short brand.

    ## How to verify
    `curl -s <url> | grep -io '<title>[^<]*'` shows a non-empty title.

    ## Source
    Google Search Central: "Influencing your title links in search results".
    """
    if searchable(page, site) and not any(t.strip() for t in page.titles):
        empty = "empty <title>" if page.titles else "no <title>"
        yield Hit(page.url, f"Page has {empty}", {"titles": page.titles})


@rule("ONP002", "multiple-titles", severity="warning", group="{count} pages have several titles")
def multiple_titles(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A page has more than one `<title>` element.

    ## What it does
    Flags indexable HTML pages with two or more `<title>` elements in the document, not
    counting the `<title>` of inline SVG images (which are legitimate).

    ## Why it matters
    HTML allows one title. With several, browsers and search engines each pick one, so the
    title shown may not be the one intended; it usually means two templates or plugins both
    write the head.

    ## How to fix
    Keep exactly one `<title>` in `<head>`; remove the one added by the second template,
    theme or SEO plugin.

    ## How to verify
    `curl -s <url> | grep -ic '<title'` prints 1 (inline SVG titles aside).

    ## Source
    Google Search Central: "Use valid HTML to specify page metadata"; HTML standard, the
    title element.
    """
    if len(page.titles) > 1 and searchable(page, site):
        yield Hit(
            page.url,
            f"{len(page.titles)} <title> elements",
            {"titles": [clip(t) for t in page.titles[:5]]},
        )


@rule("ONP003", "title-length", severity="notice", group="{count} pages have a title {cause}")
def title_length(page: PageFacts, site: Site) -> Iterator[Hit]:
    """The title is longer or shorter than the configured range (a tool convention).

    ## What it does
    Measures the first title in characters and flags it when longer than
    `title_max_chars` (default 60) or shorter than `title_min_chars` (default 30). Both are
    tool conventions, configurable in the thresholds; a missing title is ONP001.

    ## Why it matters
    Google has no length limit but truncates title links to the width of the device (about
    600 pixels on desktop), so the end of a long title is cut off; a very short title
    wastes the most visible line of the result. Neither is a ranking penalty.

    ## How to fix
    Put the distinguishing words first and keep brand suffixes short; expand very short
    titles with what the page offers.

    ## How to verify
    `curl -s <url> | grep -io '<title>[^<]*'` shows a title within the configured range.

    ## Source
    Google Search Central: "Influencing your title links in search results" (truncation
    to the device width); Screaming Frog pixel-width research (tool convention).
    """
    title = (page.title or "").strip()
    if not title or not searchable(page, site):
        return
    thresholds = limits(site)
    length = page.cut_lengths.get("title") or len(" ".join(title.split()))
    evidence = {"title": title, "chars": length}
    if length > thresholds.title_max_chars:
        yield Hit(
            page.url,
            f"Title is {length} characters (over {thresholds.title_max_chars})",
            {**evidence, "max_chars": thresholds.title_max_chars},
            cause="too long",
        )
    elif length < thresholds.title_min_chars:
        yield Hit(
            page.url,
            f"Title is {length} characters (under {thresholds.title_min_chars})",
            {**evidence, "min_chars": thresholds.title_min_chars},
            cause="too short",
        )


def _duplicates(
    site: Site, value_of: Callable[[PageSummary], str | None]
) -> dict[str, list[PageSummary]]:
    """Indexable 200 HTML pages grouped by a normalised value, groups of 2+ only. Page 2+
    of a paginated series is left out: Google says such pages may share titles and
    descriptions."""
    groups: dict[str, list[PageSummary]] = defaultdict(list)
    for summary in site.summaries():
        if summary.status != 200 or not summary.is_html or summary.indexability != "indexable":
            continue
        if refreshes_away(summary.url, summary.refresh):
            continue
        value = value_of(summary)
        if value and value.strip() and not is_paginated(summary.url):
            groups[" ".join(value.split()).casefold()].append(summary)
    return {key: members for key, members in groups.items() if len(members) > 1}


def _duplicate_hits(
    site: Site, kind: str, value_of: Callable[[PageSummary], str | None]
) -> Iterator[Hit]:
    for members in _duplicates(site, value_of).values():
        value = value_of(members[0]) or ""
        cause = duplicate_cause(kind, value)
        urls = sorted(m.url for m in members)
        for url in urls:
            others = [u for u in urls if u != url]
            yield Hit(
                url,
                f"Same {kind} as {len(others)} other pages: {clip(value, 80)!r}",
                {kind: value, "shared_with": others[:MAX_LISTED], "pages": len(urls)},
                cause=cause,
            )


@rule(
    "ONP004",
    "duplicate-title",
    severity="warning",
    scope="site",
    group="{count} pages share the {cause}",
)
def duplicate_title(site: Site) -> Iterator[Hit]:
    """Several indexable pages have the same title.

    ## What it does
    Compares the titles of indexable HTML pages (whitespace collapsed, case ignored) and
    flags every group of two or more pages sharing one. Page 2 and later of a paginated
    series (`/page/2/`, `?page=2`...) are left out. Each shared title is one issue.

    ## Why it matters
    Searchers cannot tell the pages apart in results, Google may rewrite the titles, and
    identical titles often reveal pages that compete for the same query or a template
    that does not fill in the page's subject.

    ## How to fix
    Make each title describe its own page: generate it from the product, article or
    category name; if the pages really are the same, consolidate them (redirect or
    canonical).

    ## How to verify
    Fetch two of the listed URLs: `curl -s <url> | grep -io '<title>[^<]*'` shows
    different titles.

    ## Source
    Google Search Central: "Influencing your title links in search results" (avoid
    repeated titles); "Pagination, incremental page loading" (page series may share them).
    """
    yield from _duplicate_hits(site, "title", lambda s: s.title)


# -- stuffing: one word repeated in a title or an alt text ---------------------------------

# Function words that titles and alt texts repeat naturally ("Tables and chairs and
# stools"), in English and the main European languages: never keywords.
_STOP_WORDS = frozenset(
    word
    for words in (
        "the and for with from your you our are was were this that these those its into onto"
        " about all any but not can has have had how what when where which who why will more"
        " most than then there their they them via per out off own also only just",  # en
        "und der die das den dem des mit für von bei aus auf ein eine einen zum zur oder ist",
        "les des une pour avec sur par dans aux est vos nos votre notre qui que",  # fr
        "los las una para con por del sus más",  # es
        "per con dei del della delle gli che",  # it
        "het een van voor met",  # nl
        "com uma dos das",  # pt ("com" is also the end of "example.com")
    )
    for word in words.split()
)
_WORD = re.compile(r"[^\W_]+")
# Between the parts of a title: "Drills | Tools – Example Store", "Example: Drills".
_TITLE_SEPARATOR = re.compile(r"\s*[|·•»]\s*|\s+[-–—~/]\s+|:\s+")
MIN_SHARED_TITLES = 3  # pages whose titles start or end alike: that part is the site name


def _repeated_words(text: str, times: int, brand: str = "") -> dict[str, int]:
    """Words of 3+ letters (case ignored; stop words, numbers and words contained in
    ``brand`` left out) found at least ``times`` times in ``text``, most frequent first."""
    counts = Counter(
        word
        for word in map(str.casefold, _WORD.findall(text))
        if len(word) >= 3 and word not in _STOP_WORDS and not word.isdigit() and word not in brand
    )
    return {word: n for word, n in counts.most_common() if n >= times}


def _site_name(url: str) -> str:
    """The host label that usually names the brand: ``example`` for shop.example.co.uk (a
    guess without the public suffix list, enough to leave the brand out of a count)."""
    labels = (urlsplit(url).hostname or "").split(".")
    if len(labels) > 1:
        labels.pop()
    if len(labels) > 1 and labels[-1] in SECOND_LEVELS:
        labels.pop()
    return labels[-1]


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


@per_site
def _title_branding(site: Site) -> frozenset[str]:
    """Title parts (before the first or after the last separator, case-folded) that at
    least ``MIN_SHARED_TITLES`` indexable pages share: the site name ("... | Example Store").
    Built once per Site, and only when a title repeats a word."""
    counts: Counter[str] = Counter()
    for summary in site.summaries():
        if summary.title and summary.is_html and summary.indexability == "indexable":
            parts = _TITLE_SEPARATOR.split(summary.title)
            if len(parts) > 1:
                counts.update({_fold(parts[0]), _fold(parts[-1])})
    return frozenset(p for p, n in counts.items() if p and n >= MIN_SHARED_TITLES)


def _without_branding(title: str, site: Site) -> tuple[str, str | None]:
    """The title without its site-name part, and that part (None when there is none)."""
    parts = _TITLE_SEPARATOR.split(title)
    if len(parts) > 1:
        branding = _title_branding(site)
        if _fold(parts[-1]) in branding:
            return " ".join(parts[:-1]), parts[-1]
        if _fold(parts[0]) in branding:
            return " ".join(parts[1:]), parts[0]
    return title, None


def _times(repeated: dict[str, int]) -> str:
    return ", ".join(f"{word!r} {n} times" for word, n in repeated.items())


@rule(
    "ONP005",
    "keyword-stuffed-title",
    severity="notice",
    group="{count} pages repeat the same word in their title",
)
def keyword_stuffed_title(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A title repeats one word three times or more ("Cheap shoes, cheap boots, cheap bags").

    ## What it does
    Counts the words of the first title of indexable HTML pages (case ignored; words under
    3 letters, numbers and common function words such as "and", "for", "und" left out)
    and flags a title where one word appears `stuffing_repeats` times or more (default 3,
    a tool convention). The site name is the usual false alarm, so it is left out first:
    words contained in the domain's name (`example` for shop.example.com), and a first or
    last part of the title (split at `|`, ` - `, `–`, `·`, `: `...) that the titles of at
    least three indexable pages share ("... | Example Store"). Not checked: titles of a
    template made mostly of shared boilerplate.

    ## Why it matters
    A title that repeats its keywords reads as spam to searchers and earns fewer clicks;
    Google says repeating words in a title does not help and is likely to rewrite such a
    title link with text of its own choosing.

    ## How to fix
    Write a short title that names the page's subject once, with the brand once at most:
    change the template or CMS field that builds it (often a keyword list appended to
    every title).

    ## How to verify
    `curl -s <url> | grep -io '<title>[^<]*'` shows no word three times.

    ## Source
    Google Search Central: "Influencing your title links in search results" (avoid
    keyword stuffing; brand titles concisely).
    """
    title = " ".join((page.title or "").split())
    times = limits(site).stuffing_repeats
    brand = _site_name(page.url)
    if not _repeated_words(title, times, brand) or not searchable(page, site):
        return
    counted, left_out = _without_branding(title, site)
    repeated = _repeated_words(counted, times, brand)
    if repeated:
        whole = page.cut_lengths.get("title")
        # counted in the kept first 1,000 characters of a longer title: at least that often
        within = f" in its first {len(title):,} of {whole:,} characters" if whole else ""
        yield Hit(
            page.url,
            f"Title repeats {_times(repeated)}{within}: {clip(title, 80)!r}",
            {"title": title, "repeated": repeated, "site_name_left_out": left_out},
        )


# -- meta descriptions ---------------------------------------------------------------------


@rule(
    "ONP006",
    "missing-meta-description",
    severity="notice",
    group="{count} pages have no meta description",
)
def missing_meta_description(page: PageFacts, site: Site) -> Iterator[Hit]:
    """An indexable page has no meta description, or an empty one.

    ## What it does
    Flags indexable HTML pages answering 200 without `<meta name="description">` or with
    an empty `content`.

    ## Why it matters
    Google builds the snippet from page text when there is no description that fits;
    a good description lets you pitch the page in the result. It is not a ranking signal,
    hence a notice.

    ## How to fix
    Write a short, page-specific summary in `<meta name="description" content="...">`,
    starting with the home page and the pages that earn the most traffic.

    ## How to verify
    `curl -s <url> | grep -io '<meta name="description"[^>]*'` shows a non-empty content.

    ## Source
    Google Search Central: "Control your snippets in search results" (meta descriptions).
    """
    if searchable(page, site) and not any(d.strip() for d in page.meta_descriptions):
        yield Hit(page.url, "No meta description", {"meta_descriptions": page.meta_descriptions})


@rule(
    "ONP007",
    "meta-description-length",
    severity="notice",
    group="{count} pages have a meta description {cause}",
)
def meta_description_length(page: PageFacts, site: Site) -> Iterator[Hit]:
    """The meta description is longer or shorter than the configured range.

    ## What it does
    Measures the first meta description and flags it when longer than
    `description_max_chars` (default 160) or shorter than `description_min_chars` (default
    70): tool conventions, configurable.

    ## Why it matters
    Google truncates snippets to the device width, so the end of a long description is
    lost, and a very short one leaves Google to fill the snippet from page text. No
    ranking effect.

    ## How to fix
    Put the key information first and keep it within the range.

    ## How to verify
    `curl -s <url> | grep -io '<meta name="description"[^>]*'` shows a description within
    the range.

    ## Source
    Google Search Central: "Control your snippets in search results"; Screaming Frog
    pixel-width research (tool convention).
    """
    text = " ".join((page.meta_descriptions[0] if page.meta_descriptions else "").split())
    if not text or not searchable(page, site):
        return
    low, high = limits(site).description_min_chars, limits(site).description_max_chars
    length = page.cut_lengths.get("meta_description") or len(text)
    evidence = {"description": text, "chars": length}
    if length > high:
        yield Hit(
            page.url,
            f"Meta description is {length} characters (over {high})",
            {**evidence, "max_chars": high},
            cause="too long",
        )
    elif length < low:
        yield Hit(
            page.url,
            f"Meta description is {length} characters (under {low})",
            {**evidence, "min_chars": low},
            cause="too short",
        )


@rule(
    "ONP008",
    "duplicate-meta-description",
    severity="notice",
    scope="site",
    group="{count} pages share the {cause}",
)
def duplicate_meta_description(site: Site) -> Iterator[Hit]:
    """Several indexable pages have the same meta description.

    ## What it does
    Compares the meta descriptions of indexable HTML pages (whitespace collapsed, case
    ignored) and flags every group of two or more pages sharing one, leaving out page 2
    and later of paginated series. Each shared description is one issue.

    ## Why it matters
    Google says identical descriptions across pages do not help: it tends to ignore them
    and build snippets from page text, so the effort is lost and results look alike.

    ## How to fix
    Write page-specific descriptions (generated from the page's own data), or remove the
    shared boilerplate description and let Google generate snippets.

    ## How to verify
    `curl -s <url> | grep -io '<meta name="description"[^>]*'` on two of the listed URLs
    shows different descriptions.

    ## Source
    Google Search Central: "Control your snippets in search results" (unique descriptions).
    """
    yield from _duplicate_hits(site, "description", lambda s: s.meta_description)


# -- headings ------------------------------------------------------------------------------


@rule("ONP009", "missing-h1", severity="notice", group="{count} pages have no H1")
def missing_h1(page: PageFacts, site: Site) -> Iterator[Hit]:
    """An indexable page has no `<h1>`, or only empty ones.

    ## What it does
    Flags indexable HTML pages answering 200 without an `<h1>` heading with text.

    ## Why it matters
    Google looks at the main visible heading when it builds title links, and a clear
    main heading tells visitors and assistive technology what the page is about. Not a
    ranking rule, hence a notice.

    ## How to fix
    Give each page one visible `<h1>` naming its main subject (usually close to the title).

    ## How to verify
    `curl -s <url> | grep -io '<h1[^>]*>[^<]*'` shows a heading with text.

    ## Source
    Google Search Central: "Influencing your title links in search results" (main
    visual title).
    """
    if not searchable(page, site):
        return
    h1 = [h.text for h in page.headings if h.level == 1]
    if not any(text.strip() for text in h1):
        yield Hit(page.url, "No H1 heading" if not h1 else "Only empty H1 headings", {"h1": h1})


@rule("ONP010", "multiple-h1", severity="notice", group="{count} pages have several different H1s")
def multiple_h1(page: PageFacts, site: Site) -> Iterator[Hit]:
    """A page has several different `<h1>` headings (a tool convention).

    ## What it does
    Flags indexable pages with two or more `<h1>` headings whose texts differ. Repeats of
    one text (a heading duplicated for mobile and desktop layouts) are not flagged.

    ## Why it matters
    HTML allows several H1s and Google copes with them; but several different main
    headings of equal weight make the page's main subject ambiguous, and Google may pick
    the wrong one when it rewrites the title link.

    ## How to fix
    Keep one H1 for the page's subject and turn the others into H2s (often a logo or a
    sidebar widget marked up as H1).

    ## How to verify
    `curl -s <url> | grep -io '<h1[^>]*>[^<]*'` shows one main heading.

    ## Source
    Google Search Central: "Influencing your title links in search results" (several
    headings with equal prominence).
    """
    h1 = [h.text for h in page.headings if h.level == 1 and h.text.strip()]
    distinct = {" ".join(text.split()).casefold() for text in h1}
    if len(distinct) > 1 and searchable(page, site):
        yield Hit(page.url, f"{len(h1)} different H1 headings", {"h1": [clip(t) for t in h1[:10]]})


# -- images, language, viewport, content ---------------------------------------------------


def _needs_alt(image: Resource) -> bool:
    if image.kind != "image" or image.alt is not None or image.decorative or not image.src:
        return False
    return not (image.width in _PIXEL and image.height in _PIXEL)


@rule(
    "ONP011",
    "image-without-alt",
    severity="warning",
    group="{count} pages have images without alt text",
)
def image_without_alt(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Images without an `alt` attribute.

    ## What it does
    Flags indexable pages with `<img>` elements that have no `alt` attribute at all.
    `alt=""` (a deliberately decorative image), images hidden from assistive technology
    (`role="presentation"`, `aria-hidden="true"`) and 1×1 tracking pixels are not flagged.

    ## Why it matters
    Alt text is the most important information Google has about an image for image
    search, it serves as anchor text when the image is a link, and screen readers read it
    out: without it the image is invisible to search and to blind visitors.

    ## How to fix
    Add a short, descriptive `alt` to each meaningful image (product name and variant, what
    the photo shows); use `alt=""` for purely decorative images.

    ## How to verify
    `curl -s <url> | grep -o '<img [^>]*>' | grep -v 'alt='` prints nothing.

    ## Source
    Google Search Central: "Google image SEO best practices" (alt text); "Link best
    practices for Google" (image links).
    """
    missing = [r for r in page.resources if _needs_alt(r)]
    if missing and searchable(page, site):
        yield Hit(
            page.url,
            f"{len(missing)} images without alt text",
            {"count": len(missing), "images": sorted({r.src for r in missing})[:MAX_LISTED]},
        )


@rule(
    "ONP012",
    "alt-text-stuffing",
    severity="notice",
    group="{count} pages have image alt text {cause}",
)
def alt_text_stuffing(page: PageFacts, site: Site) -> Iterator[Hit]:
    """Image alt text that is too long, or that repeats the same word three times or more.

    ## What it does
    Reads the `alt` of every `<img>` of indexable HTML pages (whitespace collapsed) and
    flags alt texts longer than `alt_max_chars` (default 125 characters) and alt texts in
    which one word appears `stuffing_repeats` times or more (default 3; case ignored, words
    under 3 letters, numbers and common function words left out). Both are tool
    conventions, configurable. One finding per page and kind of problem, listing the
    images.

    ## Why it matters
    Google reads alt text to understand images and warns that filling it with keywords
    is a poor experience that can get the site treated as spam. Screen readers read the
    whole alt text aloud, with no way to skip part of it: a long one turns a label into a
    paragraph in the middle of the page.

    ## How to fix
    Describe what the image shows in a short phrase, naming the product or subject once
    ("Red 18V cordless drill with two batteries"). Put longer descriptions in the page
    text or a caption, and fix the template that builds alt text from keyword lists.

    ## How to verify
    `curl -s <url> | grep -o '<img [^>]*alt="[^"]*"'` shows short alt texts that do not
    repeat words.

    ## Source
    Google Search Central: "Google image SEO best practices" (alt text: avoid keyword
    stuffing). The 125-character limit is a common tool convention, not a Google rule.
    """
    images = [r for r in page.resources if r.kind == "image" and r.alt]
    if not images or not searchable(page, site):
        return
    thresholds = limits(site)
    long: list[tuple[str, str]] = []  # (src, alt)
    stuffed: list[tuple[str, str, dict[str, int]]] = []  # (src, alt, repeated words)
    for image in images:
        alt = " ".join((image.alt or "").split())
        if len(alt) > thresholds.alt_max_chars:
            long.append((image.src, alt))
        repeated = _repeated_words(alt, thresholds.stuffing_repeats)
        if repeated:
            stuffed.append((image.src, alt, repeated))
    if long:
        yield Hit(
            page.url,
            f"Alt text over {thresholds.alt_max_chars} characters on {_count(len(long), 'image')} "
            f"(longest: {max(len(alt) for _src, alt in long)})",
            {
                "images": [
                    {"src": clip(src, 300), "alt": clip(alt, 200), "chars": len(alt)}
                    for src, alt in long[:MAX_LISTED]
                ],
                "count": len(long),
                "max_chars": thresholds.alt_max_chars,
            },
            cause=f"over {thresholds.alt_max_chars} characters",
        )
    if stuffed:
        _src, alt, repeated = stuffed[0]
        yield Hit(
            page.url,
            f"Alt text repeating a word on {_count(len(stuffed), 'image')}, e.g. "
            f"{clip(alt, 80)!r} ({_times(repeated)})",
            {
                "images": [
                    {"src": clip(src, 300), "alt": clip(alt, 200), "repeated": words}
                    for src, alt, words in stuffed[:MAX_LISTED]
                ],
                "count": len(stuffed),
            },
            cause="repeating the same word",
        )


@rule("ONP014", "thin-content", severity="notice", group="{count} pages have thin content")
def thin_content(page: PageFacts, site: Site) -> Iterator[Hit]:
    """An indexable page has very little main content (a tool convention).

    ## What it does
    Counts the visible words of indexable HTML pages outside the page chrome (the
    navigation, header, footer and asides that repeat on every page: `<nav>`, `<aside>`,
    `<header>`/`<footer>` not inside an article or section, and the same ARIA roles) and
    flags pages below `thin_content_words` (default 200, configurable). A big menu does not
    make a placeholder page look full. Pages already reported as soft 404s (HTTP005), and
    the empty shells of JavaScript apps (RES008: the content exists only once scripts run),
    are not repeated here. Run files stored before the main-content count was measured are judged
    on all visible words.

    ## Why it matters
    Word count is not a ranking factor, but pages with next to no content often end up
    "crawled, currently not indexed" or treated as soft 404s, and they dilute the site's
    quality. Placeholder pages ("coming soon") are the usual cause.

    ## How to fix
    Add the content the page is meant to have, merge it into a fuller page (redirect), or
    keep it out of the index (`noindex`) until it is ready.

    ## How to verify
    `seoaudit audit <url> --max-pages 1 --select ONP014 --isolated --no-baseline --fail-on notice`
    exits 0.

    ## Source
    Google statements on word count (Search Engine Roundtable, 2020); Google Search
    Central: "Troubleshoot Google Search crawling errors" (soft 404: no main content).
    """
    threshold = limits(site).thin_content_words
    main = page.word_count if page.main_word_count is None else page.main_word_count
    if main >= threshold or not searchable(page, site):
        return
    if page.url in soft_404s(site):
        return
    if page.app_shell is not None and page.word_count < CLIENT_RENDERED_WORDS:
        return  # a JavaScript app's empty shell: RES008 says why, and what to do
    if page.main_word_count is None:
        message = f"{main} words of visible text (under {threshold})"
    else:
        message = (
            f"{main} words of main content (under {threshold}); "
            f"{page.word_count} with navigation, header and footer"
        )
    yield Hit(
        page.url,
        message,
        {"words": main, "visible_words": page.word_count, "threshold": threshold},
    )


# ONP022: the content's script must be this sure (share of its letters) and this long for
# a title without it to be worth a note; a title needs a few letters to have a script.
SCRIPT_CONTENT_SHARE = 0.6
SCRIPT_CONTENT_LETTERS = 200
SCRIPT_TITLE_LETTERS = 4
SCRIPT_TITLE_SHARE = 0.2  # of the title's letters in the content's script: below, "other"


@rule(
    "ONP022",
    "title-script-differs-from-content",
    severity="notice",
    group="{count} pages have a title in another script than their content ({cause})",
)
def title_script_differs_from_content(page: PageFacts, site: Site) -> Iterator[Hit]:
    """The title is in another script than the page's text (a Latin title on Cyrillic content).

    ## What it does
    Counts the letters of the visible text and of the first title per writing system
    (Latin, Cyrillic, Greek, Arabic, Hebrew, Devanagari and the other Indic scripts, Thai,
    CJK: Han, kana and Hangul together...) and flags indexable pages whose text is mostly
    (60% or more, at least 200 letters) in one script while the title has almost none
    (under 20% of its letters) of it: a transliterated title on Hindi text, an English
    title on a Russian page. The site name part of the title ("... | Brand", shared by
    many titles) is left out first. Only the script is compared: an English title on a
    German page (both Latin) is not found, since telling languages apart needs a language
    model this rule does not use.

    ## Why it matters
    Google rewrites title links whose `<title>` is in another language or script than the
    page's main content, so the title written for the result is not the one shown; and a
    searcher who reads the page's language sees a title they may not understand.

    ## How to fix
    Write the title in the page's language and script (the template usually takes it from
    a field that was never translated, or from the default locale).

    ## How to verify
    `curl -s <url> | grep -io '<title>[^<]*'` shows a title in the script of the page's
    text.

    ## Source
    Google Search Central: "Influencing your title links in search results" (titles in a
    different language or script than the main content).
    """
    scripts = page.text_scripts
    title = page.title
    if not scripts or not title or not searchable(page, site):
        return
    content, letters = next(iter(scripts.items()))
    total = sum(scripts.values())
    if letters < SCRIPT_CONTENT_LETTERS or letters < SCRIPT_CONTENT_SHARE * total:
        return
    own, _ = _without_branding(title, site)
    in_title = script_counts(own)
    title_letters = sum(in_title.values())
    if title_letters < SCRIPT_TITLE_LETTERS:
        return
    if in_title.get(content, 0) >= SCRIPT_TITLE_SHARE * title_letters:
        return
    written = next(iter(in_title))
    yield Hit(
        page.url,
        f"Title {clip(title, 80)!r} is in {SCRIPT_NAMES[written]} script; the page's text is "
        f"in {SCRIPT_NAMES[content]} ({round(100 * letters / total)}% of its letters)",
        {
            "title": clip(title, 200),
            "title_scripts": in_title,
            "text_scripts": dict(list(scripts.items())[:5]),
            "lang": page.lang,
        },
        cause=f"{SCRIPT_NAMES[written]} title, {SCRIPT_NAMES[content]} text",
    )


@rule(
    "ONP023",
    "character-encoding-not-declared",
    severity="notice",
    group="{count} pages have {cause}",
)
def character_encoding(page: PageFacts, site: Site) -> Iterator[Hit]:
    """The page does not declare its character encoding, declares two different ones, or
    its bytes are not in the encoding it is read with.

    ## What it does
    Reads where an indexable HTML page declares its encoding: a byte order mark, the
    `charset` of the `Content-Type` header, a `<meta charset>` (or `http-equiv`) in the
    first 1024 bytes. Flags pages with no usable declaration, pages whose header and
    `<meta>` name different encodings (aliases such as `latin1` and `windows-1252`, which
    browsers treat as one, are the same), and pages whose bytes are not valid in the
    encoding they are read with (declared UTF-8, saved as Latin-1): those characters show
    as "�". The evidence shows the encoding the page was read with, and for undecodable
    bytes how many characters and the text around the first.

    ## Why it matters
    Without a declaration, browsers and Google guess; a wrong guess garbles every accented
    character in titles, snippets and text ("CafÃ©"). With two declarations the header
    wins, so the markup's one is wrong for whoever reads the file without the header (a
    saved copy, a cache, a CDN that rewrites headers). Bytes that are not in the declared
    encoding are shown as "�" by browsers, and can be in titles and snippets too.

    ## How to fix
    Serve `Content-Type: text/html; charset=utf-8` and put `<meta charset="utf-8">` first
    in `<head>`, with the file really saved as UTF-8 (for undecodable bytes: convert the
    template or the stored content to UTF-8, or declare the encoding it is saved in).

    ## How to verify
    `curl -sI <url> | grep -i content-type` shows the charset and `curl -s <url> | head -c
    1024 | grep -io '<meta[^>]*charset[^>]*>'` the same one.

    ## Source
    Google Search Central: "Meta tags and attributes that Google supports" (Content-Type
    and charset); WHATWG HTML, "Specifying the document's character encoding".
    """
    declared = page.charset_declared
    if declared is None or not page.is_html or not searchable(page, site):
        return
    bom, header, meta = declared.get("bom"), declared.get("header"), declared.get("meta")
    header_codec = codec_for(header) if header else None
    meta_codec = codec_for(meta) if meta else None
    evidence = {"declared": declared, "read_as": page.charset}
    bad = page.undecodable
    if bad:
        said = "it declares" if bom or header_codec or meta_codec else "it is read as"
        yield Hit(
            page.url,
            f"{bad['count']} characters are not valid {page.charset}, the encoding {said} "
            f"(shown as \ufffd), e.g. {clip(str(bad.get('at') or ''), 60)!r}",
            {**evidence, "undecodable_characters": bad["count"], "first_at": bad.get("at")},
            cause=f"bytes that are not {page.charset}",
        )
    if bom is None and header_codec is None and meta_codec is None:
        unknown = f" (unknown: {', '.join(declared.values())})" if declared else ""
        yield Hit(
            page.url,
            f"No character encoding declared{unknown}: read as {page.charset}, a guess",
            evidence,
            cause="no declared character encoding",
        )
    elif bom is None and header_codec and meta_codec and header_codec != meta_codec:
        yield Hit(
            page.url,
            f"Content-Type says charset={header}, the <meta> says {meta}: the header wins",
            evidence,
            cause="conflicting character encodings",
        )


@rule(
    "ONP015",
    "missing-html-lang",
    severity="notice",
    group="{count} pages have {cause}",
)
def missing_html_lang(page: PageFacts, site: Site) -> Iterator[Hit]:
    """The `<html>` element has no `lang` attribute, or one that is not a language tag.

    ## What it does
    Flags indexable HTML pages whose `<html>` has no `lang`, an empty one, or a value that
    is not shaped like a BCP 47 tag (`en_US` with an underscore, `english`).

    ## Why it matters
    Google detects the language from the text and ignores `lang`, hence a notice; but Bing
    uses it as a language signal, screen readers need it to pronounce the text, and
    browsers use it for translation offers and hyphenation.

    ## How to fix
    Set `<html lang="en">` (or `en-GB`, `de`, ...) to the page's language in the base
    template.

    ## How to verify
    `curl -s <url> | grep -io '<html[^>]*'` shows a `lang` such as `lang="en"`.

    ## Source
    Google Search Central: "Meta tags and attributes that Google supports" (lang is not
    used); RFC 5646 (language tags); Bing Webmaster blog on language signals (2011).
    """
    if not searchable(page, site):
        return
    lang = (page.lang or "").strip()
    if not lang:
        yield Hit(page.url, "No lang attribute on <html>", {"lang": page.lang}, cause="no lang")
    elif not _LANG.match(lang):
        yield Hit(
            page.url,
            f"lang={clip(lang, 40)!r} is not a language tag",
            {"lang": lang},
            cause="an invalid lang",
        )


def _viewport_problem(content: str | None) -> tuple[str, bool] | None:
    """(what is wrong, is it only an accessibility notice) for a viewport value."""
    if content is None:
        return "no viewport meta tag", False
    fields: dict[str, str] = {}
    for part in re.split(r"[,;]", content.lower()):
        key, _, value = part.partition("=")
        fields[key.strip()] = value.strip()
    if "width" not in fields and "initial-scale" not in fields:
        return "viewport without width or initial-scale", False
    if fields.get("user-scalable") in ("no", "0"):
        return "viewport disables zooming (user-scalable=no)", True
    try:
        if float(fields.get("maximum-scale", "5")) < 2:
            return "viewport limits zooming (maximum-scale below 2)", True
    except ValueError:
        pass
    return None


@rule("ONP016", "viewport-problem", severity="warning", group="{count} pages: {cause}")
def viewport_problem(page: PageFacts, site: Site) -> Iterator[Hit]:
    """No `<meta name="viewport">`, one without a width, or one that disables zooming.

    ## What it does
    Flags indexable HTML pages with no viewport meta tag, or one that sets neither `width`
    nor `initial-scale` (warnings, as Lighthouse checks), and pages that disable or limit
    zooming with `user-scalable=no` or a `maximum-scale` below 2 (a notice: accessibility).

    ## Why it matters
    Without a viewport, phones render the page at desktop width and shrink it: text is
    unreadable without zooming. Google indexes the mobile version of pages, and disabling
    zoom locks out visitors who need larger text.

    ## How to fix
    Add `<meta name="viewport" content="width=device-width, initial-scale=1">` to the base
    template's `<head>`; drop `user-scalable=no` and low `maximum-scale` values.

    ## How to verify
    `curl -s <url> | grep -io '<meta name="viewport"[^>]*'` shows `width=device-width`.

    ## Source
    Google Search Central: "Meta tags and attributes that Google supports" (viewport);
    "Mobile-first indexing best practices"; Lighthouse "viewport" audit.
    """
    problem = _viewport_problem(page.viewport)
    if problem is not None and searchable(page, site):
        what, accessibility = problem
        yield Hit(
            page.url,
            what[:1].upper() + what[1:],
            {"viewport": page.viewport},
            cause=what,
            severity="notice" if accessibility else None,
        )


@rule(
    "ONP020",
    "meta-keywords-present",
    severity="notice",
    group="{count} pages still have a meta keywords tag",
)
def meta_keywords_present(page: PageFacts, site: Site) -> Iterator[Hit]:
    """The page has a `<meta name="keywords">` tag: Google ignores it.

    ## What it does
    Flags indexable HTML pages with a non-empty `<meta name="keywords">` (the first one is
    read). An empty one reveals nothing and is left alone; schema.org `keywords`
    properties (`itemprop="keywords"`, JSON-LD) are structured data, not this tag.

    ## Why it matters
    Google has not used the keywords meta tag for ranking for many years, so keeping it
    up to date is wasted work; and it shows competitors exactly which searches the page
    targets. Harmless otherwise, hence a notice.

    ## How to fix
    Remove the tag from the template or turn off the CMS or SEO plugin field that writes
    it.

    ## How to verify
    `curl -s <url> | grep -io '<meta name="keywords"[^>]*'` prints nothing.

    ## Source
    Google Search Central: "Meta tags and attributes that Google supports" (unsupported
    tags: keywords).
    """
    keywords = " ".join((page.meta_keywords or "").split())
    if keywords and searchable(page, site):
        count = len([k for k in keywords.split(",") if k.strip()])
        yield Hit(
            page.url,
            f'<meta name="keywords"> lists {_count(count, "keyword")}: Google ignores '
            "it, and competitors can read it",
            {"keywords": clip(keywords, 300), "count": count},
        )


_REL_CAUSE = {
    ("next",): "the rel=next page has no <a href> link",
    ("prev",): "the rel=prev page has no <a href> link",
    ("next", "prev"): "the rel=next and rel=prev pages have no <a href> link",
}


@rule(
    "ONP021",
    "pagination-relies-on-rel-next-prev",
    severity="warning",
    group="{count} paginated pages: {cause}",
)
def pagination_relies_on_rel_next_prev(page: PageFacts, site: Site) -> Iterator[Hit]:
    """`<link rel="next">` or `rel="prev"` names a page that no `<a href>` on the page links to.

    ## What it does
    Compares the targets of `<link rel="next">` and `<link rel="prev">` (or `previous`) of
    HTML pages answering 200 with the page's own `<a href>` links, and flags each target
    none of them points at (a target that is the page itself, or a fragment of it, is
    ignored). A warning when no `<a href>` anywhere on the crawled site reaches the target:
    the series goes on only through the link element. A notice when other pages link to
    it: it is found, but readers and crawlers cannot walk the series from this page.

    ## Why it matters
    Google stopped using rel=next/prev in 2019 and discovers pages only through `<a href>`
    links. Page 2 and beyond of a category or blog listed only in link elements (typically
    behind a "Load more" button or infinite scroll) are not crawled, and the products or
    articles found only there lose their path from the site.

    ## How to fix
    Render plain pagination links in the HTML: `<a href="?page=2">2</a>`, a "Next" link to
    the next page and a link back to page 1, with the same URLs as the link elements. A
    "Load more" button can keep working on top of them. The link elements may stay (other
    search engines and browsers read them) but are not needed.

    ## How to verify
    `curl -s <url> | grep -o '<a [^>]*href="[^"]*page=2[^"]*"'` finds the link to the URL
    of `<link rel="next">`; the next crawl no longer lists the page.

    ## Source
    Google Search Central: "Pagination, incremental page loading, and their impact on
    Google Search"; "Meta tags and attributes that Google supports" (rel=next/prev not
    used).
    """
    if not page.pagination or page.status != 200 or not page.is_html:
        return
    known = {page.url, page.final_url} | {link.url for link in page.links}
    missing = [
        (rel, url, site.inlink_count(url))
        for rel, url in sorted(page.pagination.items())
        if url not in known
    ]
    if not missing:
        return
    parts = [
        f'<link rel="{rel}"> names {url}, which no <a href> on this page links to '
        f"(linked from {_count(inlinks, 'other page') if inlinks else 'no page of the site'})"
        for rel, url, inlinks in missing
    ]
    yield Hit(
        page.url,
        "; ".join(parts),
        {"targets": [{"rel": rel, "url": url, "inlinks": n} for rel, url, n in missing]},
        cause=_REL_CAUSE[tuple(rel for rel, _url, _n in missing)],
        severity=None if any(not inlinks for _rel, _url, inlinks in missing) else "notice",
    )


@rule(
    "ONP017",
    "mixed-content",
    severity="warning",
    group="{count} https pages load http resources",
)
def mixed_content(page: PageFacts, site: Site) -> Iterator[Hit]:
    """An https page loads scripts, styles, frames or images over plain http.

    ## What it does
    Flags https HTML pages referencing `http://` subresources. Scripts, stylesheets and
    iframes make it an error (browsers block them, so the page breaks); images alone are a
    warning (browsers upgrade or show them with a "not secure" sign). Plain links to http
    pages are not mixed content.

    ## Why it matters
    Blocked scripts and styles break layout and features for every visitor; Google may
    prefer the http version of a page whose https version depends on insecure resources.

    ## How to fix
    Load every resource over https (or root-relative paths); as a safety net send
    `Content-Security-Policy: upgrade-insecure-requests`.

    ## How to verify
    The browser console shows no "Mixed Content" messages;
    `curl -s <url> | grep -Eo '(src|href)="http://[^"]*"'` lists only links, not resources.

    ## Source
    W3C "Mixed Content"; Chromium mixed content autoupgrade; Google Search Central: "How to
    specify a canonical URL" (https preference exceptions).
    """
    if not page.url.startswith("https://") or page.status != 200 or not page.is_html:
        return
    insecure = [r for r in page.resources if r.url is not None and r.url.startswith("http://")]
    if not insecure:
        return
    blocked = [r for r in insecure if r.kind in _BLOCKABLE]
    yield Hit(
        page.url,
        f"{len(insecure)} resources loaded over http"
        + (f" ({len(blocked)} blocked by browsers)" if blocked else ""),
        {
            "resources": [{"kind": r.kind, "url": r.url} for r in insecure[:MAX_LISTED]],
            "blocked": len(blocked),
        },
        severity="error" if blocked else None,
    )


def _answer(site: Site, url: str) -> tuple[int | None, str | None, int, str | None] | None:
    """(final status, final URL, redirects, error) of ``url``, crawled or checked; None
    when the audit never asked."""
    if site.status(url) is not None or site.state(url) == "done":
        chain = site.redirect_chain(url)
        return chain.final_status, chain.final_url, len(chain.hops), chain.error
    check = site.check(url)
    if check is None:
        return None
    return check.status, check.final_url, check.redirects, check.error


@rule("ONP018", "http-not-redirected-to-https", severity="warning", scope="site")
def http_not_redirected_to_https(site: Site) -> Iterator[Hit]:
    """The site is not on https, or its http URLs answer 200 instead of redirecting.

    ## What it does
    Looks at each start page and its twin on the other scheme (fetched once after the
    crawl): an https site whose http home page answers 200 instead of redirecting to
    https; an http site whose https version works but is not redirected to; an http site
    with no working https at all. Hosts on a non-standard port or the loopback
    (development servers) are not checked.

    ## Why it matters
    https is a page experience signal and browsers mark http pages "not secure". When
    both schemes answer 200 the site exists twice: links and signals split between the
    copies, and visitors typing the bare domain land on the insecure one.

    ## How to fix
    Serve the site over https with a valid certificate, redirect every http URL to its
    https twin with a 301 (or 308), then enable HSTS.

    ## How to verify
    `curl -sI http://<host>/` answers 301 with `Location: https://<host>/`.

    ## Source
    Google Search Central: "Understanding page experience" (https); "How to specify a
    canonical URL" (Google prefers https, redirect http to https).
    """
    finals: set[str] = set()
    for start in site.start_urls:
        chain = site.redirect_chain(start)
        final = chain.final_url
        if final is None or chain.final_status != 200 or final in finals:
            continue  # two start URLs that land on one page are one site
        finals.add(final)
        secure = final.startswith("https://")
        twin = ("http://" if secure else "https://") + final.partition("://")[2]
        answer = _answer(site, twin)
        if answer is None:
            continue
        status, reached, redirects, error = answer
        evidence = {"twin": twin, "status": status, "final_url": reached, "error": error}
        if secure and status == 200 and redirects == 0:
            yield Hit(twin, f"{twin} answers 200 instead of redirecting to https", evidence)
        elif not secure and status == 200 and reached and reached.startswith("https://"):
            yield Hit(final, f"The site answers on https but {final} does not redirect", evidence)
        elif not secure and (error is not None or (status is not None and status >= 400)):
            what = error or f"status {status}"
            yield Hit(final, f"The site is not on https ({twin}: {what})", evidence)
