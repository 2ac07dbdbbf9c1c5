"""extract(): FetchResult -> PageFacts, on sample pages (tests/data/pages) and small
inline cases. The traps of rules-kb sections 1.4, 2.1, 3.1 and 6.1 each have a case."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from seoaudit.extract import extract, scripts
from seoaudit.extract.scripts import script_counts
from seoaudit.models import FetchResult, Hop, PageFacts, RobotsVerdict

PAGES = Path(__file__).parent / "data" / "pages"
URL = "https://shop.example.com/tools/cordless-drill-18v"
HTML = ("content-type", "text/html; charset=utf-8")


def fetch(
    body: bytes | str, *headers: tuple[str, str], url: str = URL, **fields: Any
) -> FetchResult:
    data = body.encode() if isinstance(body, str) else body
    return FetchResult(
        url=url, final_url=url, status=200, headers=list(headers or [HTML]), body=data, **fields
    )


def page(body: bytes | str, *headers: tuple[str, str], **kwargs: Any) -> PageFacts:
    return extract(fetch(body, *headers, **kwargs))


def sample(name: str, **kwargs: Any) -> PageFacts:
    return page((PAGES / name).read_bytes(), **kwargs)


# ---------------------------------------------------------------------------------------
# Fetch facts, media types, non-HTML and failed responses
# ---------------------------------------------------------------------------------------


def test_fetch_facts_and_robots_verdict_are_copied() -> None:
    result = FetchResult(
        url="http://a.com/old",
        final_url="https://a.com/new",
        hops=[Hop(url="http://a.com/old", status=301, location="https://a.com/new")],
        status=200,
        headers=[("content-type", "text/html"), ("x-custom", "1"), ("x-custom", "2")],
        body=b"<title>t</title>",
        truncated=True,
        wire_bytes=10,
        size=16,
        content_encoding="gzip",
        ttfb=0.1,
        total=0.3,
        depth=2,
        source="sitemap",
    )
    verdict = RobotsVerdict(allowed=True, agent="googlebot")
    facts = extract(result, robots=verdict)
    shared = set(FetchResult.model_fields) & set(PageFacts.model_fields) - {"body"}
    assert {"hops", "truncated", "ttfb", "source"} <= shared
    for name in shared:
        assert getattr(facts, name) == getattr(result, name), name
    assert facts.robots == verdict
    assert facts.is_redirect is False
    assert facts.content_type == "text/html"


def test_failed_fetch_gets_only_fetch_and_header_facts() -> None:
    result = FetchResult(
        url=URL,
        final_url=URL,
        error="timeout",
        headers=[("content-type", "text/html"), ("x-robots-tag", "noindex")],
        body=b"<title>partial</title><a href=/x>x</a>",
    )
    facts = extract(result)
    assert (facts.error, facts.is_html, facts.titles, facts.links) == ("timeout", False, [], [])
    assert [d.tokens for d in facts.directives] == [["noindex"]]


def test_pdf_gets_header_canonical_hreflang_and_directives() -> None:
    facts = page(
        b"%PDF-1.7\n<a href='/x'>not html</a>",
        ("content-type", "application/pdf"),
        ("link", '<https://shop.example.com/manual>; rel="canonical"'),
        ("link", '</de/handbuch.pdf>; rel="alternate"; hreflang="de"'),
        ("x-robots-tag", "googlebot: noindex, nofollow"),
        url="https://shop.example.com/files/manual.pdf",
    )
    assert (facts.is_html, facts.content_type, facts.charset, facts.links) == (
        False,
        "application/pdf",
        None,
        [],
    )
    assert [(c.source, c.url) for c in facts.canonicals] == [
        ("header", "https://shop.example.com/manual")
    ]
    assert [(h.source, h.lang, h.url) for h in facts.hreflangs] == [
        ("header", "de", "https://shop.example.com/de/handbuch.pdf")
    ]
    assert [(d.source, d.agent, d.tokens) for d in facts.directives] == [
        ("header", "googlebot", ["noindex", "nofollow"])
    ]


@pytest.mark.parametrize(
    ("headers", "body", "is_html"),
    [
        ([("content-type", "text/html")], b"", True),  # empty, but declared HTML
        ([("content-type", "application/xhtml+xml")], b"<html><title>x</title>", True),
        ([("content-type", "text/plain")], b"<!DOCTYPE html><title>x</title>", False),
        ([("content-type", "application/json")], b'{"a": 1}', False),
        ([], b"\n <!DOCTYPE html><title>x</title>", True),  # no type: sniffed
        ([], b"%PDF-1.4", False),
        ([], b"", False),
    ],
)
def test_html_is_decided_by_media_type_or_sniffing(
    headers: list[tuple[str, str]], body: bytes, is_html: bool
) -> None:
    facts = extract(FetchResult(url=URL, final_url=URL, status=200, headers=headers, body=body))
    assert facts.is_html is is_html
    assert (facts.titles == ["x"]) is (is_html and b"title" in body)


def test_empty_html_body() -> None:
    facts = page(b"")
    assert (facts.is_html, facts.titles, facts.links, facts.word_count) == (True, [], [], 0)
    assert (facts.fingerprint, facts.simhash, facts.head_ended_by) == (None, None, None)


# ---------------------------------------------------------------------------------------
# Sample pages
# ---------------------------------------------------------------------------------------


def test_product_page_head_facts() -> None:
    facts = sample("product.html")
    assert facts.titles == ["Cordless Drill 18V – Garden & Tools | Example Store"]
    assert facts.meta_descriptions[0].startswith("Buy the 18V cordless drill")
    assert (facts.lang, facts.charset, facts.head_ended_by) == ("en-GB", "utf-8", None)
    assert facts.viewport == "width=device-width, initial-scale=1"
    assert [(c.source, c.url, c.after_head_end) for c in facts.canonicals] == [("head", URL, False)]
    assert [h.lang for h in facts.hreflangs] == ["en-GB", "de-DE", "x-default"]
    assert [(d.agent, d.tokens) for d in facts.directives] == [
        ("*", ["index", "follow", "max-image-preview:large"])
    ]
    assert facts.meta_refresh is None


def test_product_page_links() -> None:
    facts = sample("product.html")
    links = facts.links
    assert len(links) == 150
    logo = links[0]
    assert (logo.href, logo.url, logo.text, logo.image_alt) == (
        "/",
        "https://shop.example.com/",
        "",
        "Example Store",
    )
    by_href = {link.href: link for link in links}
    twitter = by_href["https://twitter.com/example"]
    assert (twitter.rel, twitter.nofollow, twitter.internal) == ("nofollow noopener", True, False)
    assert by_href["https://facebook.com/example"].nofollow is False
    assert by_href["mailto:help@example.com"].url is None
    assert by_href["javascript:void(0)"].url is None
    assert by_href["/tools/sub-0/"].title == "tools 0"
    assert sum(link.internal for link in links) == 146


def test_product_page_resources() -> None:
    facts = sample("product.html")
    blocking = {r.src: r.render_blocking for r in facts.resources if r.kind != "image"}
    assert blocking == {
        "/assets/app.3f9a1c.css": True,
        "/assets/print.css": False,  # media=print
        "/assets/vendor.81bd2.js": True,
        "/assets/app.77aa0.js": False,  # defer
        "https://www.googletagmanager.com/gtag/js?id=G-XXXX": False,  # async
        "/assets/footer.js": False,  # in <body>
    }
    images = [r for r in facts.resources if r.kind == "image"]
    assert len(images) == 19
    assert (images[0].src, images[0].alt, images[0].width, images[0].height) == (
        "/logo.svg",
        "Example Store",
        "120",
        "40",
    )
    assert [i.loading for i in images[1:3]] == [None, "lazy"]
    assert images[-1].alt == ""


def test_product_page_content_facts() -> None:
    facts = sample("product.html")
    assert [h.level for h in facts.headings[:4]] == [1, 2, 2, 3]
    assert facts.headings[0].text == "Cordless Drill 18V"
    [block] = facts.structured_data
    assert block.types == [
        "Organization",
        "Product",
        "Brand",
        "Offer",
        "AggregateRating",
        "BreadcrumbList",
        "ListItem",
    ]
    assert facts.word_count > 3000
    assert facts.fingerprint is not None and facts.simhash is not None
    again = sample("product.html")
    assert (again.fingerprint, again.simhash) == (facts.fingerprint, facts.simhash)


def test_main_word_count_leaves_out_the_page_chrome() -> None:
    facts = page(
        "<title>T</title><body>"
        "<header>Logo here <nav>one two three<script>var hidden = 1</script></nav></header>"
        "<div role='navigation'>four five</div><div role='button'>Buy now</div>"
        "<main><article><header>Article head</header><h1>Main words</h1><p>a b c</p>"
        "<footer>article foot</footer></article>"
        "<section><header>section head</header></section>"
        "<aside>related one</aside></main>"
        "<footer>Copyright two thousand</footer></body>"
    )
    # chrome: "Logo here one two three", "four five", "related one", "Copyright two thousand"
    assert facts.word_count == 25
    assert facts.main_word_count == 25 - 12
    assert page("<title>T</title><p>just words</p>").main_word_count == 2
    assert page("<title>T</title><nav>only a menu</nav>").main_word_count == 0
    assert page(b"%PDF-1.4", ("content-type", "application/pdf")).main_word_count is None


def test_navigation_google_cannot_follow_is_recorded() -> None:
    facts = page(
        "<title>T</title><body>"
        "<a href=\"javascript:goTo('products')\">Products</a>"
        '<a href="javascript:void(0)" onclick="openMenu()">Menu</a>'
        '<a href=" JavaScript:void(0);" onclick="window.location.href=\'/sale/\'">Sale</a>'
        '<a routerLink="/category/tents">Tents</a><a name="top"></a>'
        '<a onclick="openModal()">Modal</a><span href="/about">About</span>'
        "<div onclick=\"location = '/contact'\">Contact</div>"
        "<button onclick=\"addToCart('/api/cart')\">Add</button>"
        '<a href="/real" onclick="track(\'/real\')">Real</a>'
        "<li onclick=\"window.open('https://example.com/x')\">Ext</li>"
        "<script>location = '/not-an-element'</script></body>"
    )
    found = [(j.kind, j.tag, j.target, j.text) for j in facts.js_links]
    assert found == [
        ("javascript-href", "a", None, "Products"),
        ("onclick", "a", "https://shop.example.com/sale/", "Sale"),
        ("no-href", "a", "https://shop.example.com/category/tents", "Tents"),
        ("href-on-non-link", "span", "https://shop.example.com/about", "About"),
        ("onclick", "div", "https://shop.example.com/contact", "Contact"),
        ("onclick", "li", "https://example.com/x", "Ext"),
    ]
    assert facts.js_link_count == 6


def test_js_links_are_capped_but_counted() -> None:
    body = "".join(f'<span href="/p{i}">p{i}</span>' for i in range(80))
    facts = page("<title>T</title>" + body)
    assert len(facts.js_links) == 50 and facts.js_link_count == 80
    assert facts.js_links[0].target == "https://shop.example.com/p0"  # document order


def test_meta_keywords_first_tag_collapsed() -> None:
    facts = page(
        '<head><meta name="Keywords" content=" drill,\n cordless  drill ">'
        '<meta name="keywords" content="second"><title>T</title></head>'
    )
    assert facts.meta_keywords == "drill, cordless drill"
    assert page('<meta name="keywords" content=""><title>T</title>').meta_keywords == ""
    # schema.org's keywords property is structured data, not the meta tag
    assert page('<meta itemprop="keywords" content="x"><title>T</title>').meta_keywords is None
    assert sample("product.html").meta_keywords is None


def test_nosnippet_tags_distinct_in_document_order() -> None:
    facts = page(
        "<title>T</title><body><p data-nosnippet>a</p><span data-nosnippet>b</span>"
        '<P DATA-NOSNIPPET="false">c</P><ul><li data-nosnippet="">d</li></ul>'
        "<div data-snippet>not it</div><section data-nosnippet>e</section></body>"
    )
    assert facts.nosnippet_tags == ["p", "span", "li", "section"]
    many = "".join(f"<x-tag{i} data-nosnippet>t</x-tag{i}>" for i in range(30))
    assert len(page("<title>T</title>" + many).nosnippet_tags) == 20
    assert sample("product.html").nosnippet_tags == []
    pdf = page(b"%PDF-1.4 data-nosnippet", ("content-type", "application/pdf"))
    assert (pdf.nosnippet_tags, pdf.meta_keywords) == ([], None)


CRA_SHELL = (
    '<!doctype html><html><head><title>Shop</title><script defer src="/static/main.js">'
    "</script></head><body><noscript>You need to enable <b>JavaScript</b> to run this app."
    '</noscript><div id="root"></div></body></html>'
)


@pytest.mark.parametrize(
    ("html", "shell"),
    [
        (
            CRA_SHELL,
            '<div id="root"> and <noscript> "You need to enable JavaScript to run this app."',
        ),
        ('<title>T</title><div id="__next"></div>', '<div id="__next">'),
        ('<title>T</title><main id="app" class="x">Loading…</main>', '<main id="app">'),
        ('<html ng-app="shop"><title>T</title><body><div ng-view></div>', "<html ng-app>"),
        ("<title>T</title><app-root></app-root>", "<app-root>"),
        # React's server-render marker: the HTML is already rendered.
        ("<title>T</title><div data-reactroot>Hi</div>", None),
        # A mount point that holds the content: a server-rendered app, not a shell.
        ('<title>T</title><div id="__next"><h1>Contact</h1><p>Call us today</p></div>', None),
        # Styles in <noscript> and a comments widget's message are not the page asking.
        ("<title>T</title><noscript><style>.js-only{display:none}</style></noscript>", None),
        (
            '<title>T</title><div id="disqus_thread"></div><noscript>Please enable JavaScript'
            ' to view the <a href="https://disqus.com/?ref_noscript">comments powered by'
            " Disqus.</a></noscript>",
            None,
        ),
        # A message in another language, in upper-case markup, nested in other markup.
        (
            "<title>T</title><NOSCRIPT><p>Включите <b>JavaScript</b>, чтобы продолжить</p>"
            "</NOSCRIPT>",
            '<noscript> "Включите JavaScript , чтобы продолжить"',
        ),
        # A tag manager's tracking frame is not a message asking for JavaScript.
        (
            '<title>T</title><noscript><iframe src="https://www.googletagmanager.com/ns.html'
            '?id=GTM-X&js=1"></iframe></noscript><p>Short page</p>',
            None,
        ),
        ('<title>T</title><div id="rooted"></div><p>Nothing here</p>', None),
        # A page with text is not looked at: a server-rendered app keeps its root.
        ('<title>T</title><div id="root">' + "word " * 120 + "</div>", None),
    ],
)
def test_app_shell_is_recorded_on_pages_with_few_words(html: str, shell: str | None) -> None:
    assert page(html).app_shell == shell


def test_app_shell_scan_is_bounded_on_hostile_markup() -> None:
    # "<noscript" without ">" and unclosed noscripts: the scan must stay linear.
    hostile = "<title>T</title><div id=app></div>" + "<noscript" * 200_000
    facts = page(hostile)
    assert facts.app_shell == '<div id="app">'
    # Only the first MAX_NOSCRIPTS <noscript> elements are read.
    pixel, message = '<noscript><img src="/p.gif"></noscript>', "<noscript>Enable JS</noscript>"
    assert page("<title>T</title>" + pixel * 5 + message).app_shell is None
    assert page("<title>T</title>" + pixel * 4 + message).app_shell == '<noscript> "Enable JS"'
    long_message = "<title>T</title><body><noscript>Please enable JavaScript " + "now " * 500
    shell = page(long_message + "</noscript>").app_shell
    assert shell is not None and len(shell) <= 120 and shell.startswith("<noscript>")


def test_facts_stored_before_keywords_and_nosnippet_still_load() -> None:
    stored = '{"url": "https://a.com/", "final_url": "https://a.com/", "is_html": true}'
    facts = PageFacts.model_validate_json(stored)
    assert (facts.meta_keywords, facts.nosnippet_tags) == (None, [])
    assert facts.app_shell is None


def test_head_ended_by_tag_manager_iframe() -> None:
    facts = sample("head_broken.html")
    assert facts.head_ended_by == "iframe"
    assert [(c.source, c.href, c.after_head_end) for c in facts.canonicals] == [
        ("head", "https://garten.example/schere", True),
        ("body", "/from-body", False),
    ]
    assert [(h.lang, h.after_head_end) for h in facts.hreflangs] == [("en", True)]
    assert [(d.agent, d.tokens, d.in_body, d.after_head_end) for d in facts.directives] == [
        ("*", ["noindex"], False, True),
        ("bingbot", ["noarchive"], True, False),
    ]
    assert facts.meta_descriptions == ["Eine scharfe Gartenschere."]
    assert facts.titles == ["Gartenschere | Beispiel"]


def test_malformed_page() -> None:
    facts = sample("malformed.html")
    assert facts.titles == ["Broken <b>page</b>"]  # <title> content is text, not markup
    assert facts.meta_descriptions == ["unquoted-description"]
    assert [(d.agent, d.value, d.tokens) for d in facts.directives] == [
        ("*", "NoIndex , NoFollow", ["noindex", "nofollow"])
    ]
    hrefs = [link.href for link in facts.links]
    # The tree builder re-opens unclosed <a> elements inside later blocks, as browsers do.
    assert hrefs[:5] == ["/one", "/one", "/two", "/four", "/three"]
    assert "/from-script" not in hrefs and "/ten" not in hrefs
    by_href = {link.href: link for link in facts.links}
    assert (by_href["/five"].rel, by_href["/five"].nofollow) == ("ugc", True)
    assert (by_href["/six"].rel, by_href["/six"].nofollow) == ("sponsored noopener", True)
    assert (by_href["/seven"].text, by_href["/seven"].image_alt) == ("", "Seven")
    assert by_href["/eight"].image_alt is None
    assert by_href["/nine"].title == "Nine title"
    alts = {r.src: r.alt for r in facts.resources if r.kind == "image"}
    assert (alts["/no-alt.png"], alts["/empty-alt.png"], alts["/lazy.png"]) == (None, "", "Lazy")
    assert [(h.level, h.text) for h in facts.headings] == [
        (2, "Unclosed heading"),
        (3, "Next heading"),
    ]


@pytest.mark.parametrize(
    ("name", "charset", "title", "lang"),
    [
        ("utf16.html", "utf-16-le", "日本語のページ", "ja"),
        ("windows1252.html", "windows-1252", "Café crème – 5 €", None),
    ],
)
def test_encoded_pages(name: str, charset: str, title: str, lang: str | None) -> None:
    facts = page((PAGES / name).read_bytes(), ("content-type", "text/html"))  # no charset
    assert (facts.charset, facts.titles, facts.lang) == (charset, [title], lang)


def test_utf16_page_links_and_text() -> None:
    facts = page((PAGES / "utf16.html").read_bytes(), ("content-type", "text/html"))
    assert [(link.text, link.url) for link in facts.links] == [
        ("Über uns", "https://shop.example.com/%C3%BCber")
    ]
    assert facts.headings[0].text == "こんにちは"
    assert facts.word_count == 6


def test_microdata_and_rdfa_page() -> None:
    facts = sample("microdata.html")
    assert [b.format for b in facts.structured_data] == ["microdata", "microdata", "rdfa"]
    product, crumbs, event = facts.structured_data
    assert product.types == ["Product", "Offer", "Organization", "Review"]
    assert product.data["offers"]["price"] == "99.00"  # content= wins, as Google reads it
    assert product.data["image"] == "https://shop.example.com/anvil.jpg"
    assert product.data["offers"]["seller"] == {"@type": "Organization", "name": "ACME"}
    assert [r["author"] for r in product.data["review"]] == ["Wile E.", "Road Runner"]
    assert (product.data["color"], product.data["material"]) == ("black iron", "black iron")
    assert crumbs.types == ["BreadcrumbList"]
    assert event.types == ["Event", "Place"]


def test_json_ld_page() -> None:
    facts = sample("jsonld.html")
    blocks = facts.structured_data
    assert len(blocks) == 5  # application/json is not structured data
    assert blocks[0].types == ["Product", "Car", "Offer", "Organization", "PostalAddress"]
    assert (blocks[1].error is not None, blocks[1].line, blocks[1].column) == (True, 6, 1)
    assert blocks[2].types == ["WebSite", "WebPage"]  # type matched without case or params
    assert blocks[3].error is not None and blocks[3].data is None  # NaN
    assert (blocks[4].error is not None, blocks[4].raw) == (True, "  ")
    assert facts.script_json_ld == []  # {"@type": ...} without a schema.org @context


def test_json_ld_in_other_script_types() -> None:
    """Schema.org JSON-LD in a script of another type is kept for SD002: recognised by its
    start, else by a top-level @context once parsed; other JSON and JavaScript are not."""
    facts = page(
        '<head><script type="application/json">{"@context": "https://schema.org",'
        ' "@type": "Product", "offers": {"@type": "Offer"}}</script>'
        '<script type="text/ld+json">[{"@type": "Organization",'
        ' "@context": {"@vocab": "https://schema.org/"}}]</script></head><body>'
        '<script>\n {"@context": "http://schema.org", "@type": "WebSite",}</script>'
        '<script id="__NEXT_DATA__" type="application/json">{"props": {"seo":'
        ' {"@context": "https://schema.org", "@type": "Product"}}}</script>'
        '<script type="importmap">{"imports": {"a": "/a.js"}}</script>'
        '<script type="application/json">{"@context": "https://example.org/vocab"}</script>'
        '<script>var ld = {"@context": "https://schema.org"};</script>'
        '<script type="application/json" src="/ld.json"></script>'
        '<script type="application/ld+json">{"@context": "https://schema.org",'
        ' "@type": "Thing"}</script></body>'
    )
    found = [(s.type, s.types, s.error is not None) for s in facts.script_json_ld]
    assert found == [
        ("application/json", ["Product", "Offer"], False),
        ("text/ld+json", ["Organization"], False),  # @context not first: parsed to tell
        (None, [], True),  # no type; does not parse, but starts as JSON-LD does
    ]
    assert facts.script_json_ld[2].raw.startswith('{"@context": "http://schema.org"')
    assert [b.types for b in facts.structured_data] == [["Thing"]]


def test_json_ld_in_other_script_types_is_capped() -> None:
    script = '<script type="application/json">{"@context": "https://schema.org"}</script>'
    assert len(page(script * 30).script_json_ld) == 10


def test_pagination_link_elements() -> None:
    """The first rel=next and rel=prev (or "previous") targets, resolved against <base>;
    in the body too; hrefs that resolve to nothing are skipped."""
    facts = page(
        '<head><base href="https://shop.example.com/blog/">'
        '<link rel="next" href="javascript:void(0)"><link rel="Next" href="?page=3">'
        '<link rel="previous" href="./"><link rel="next" href="?page=9"></head>'
        '<body><link rel="prev" href="/elsewhere"><a rel="next" href="/a-link">n</a></body>'
    )
    assert facts.pagination == {
        "next": "https://shop.example.com/blog/?page=3",
        "prev": "https://shop.example.com/blog/",
    }
    assert page('<link rel="prefetch next" href="/p2">').pagination == {
        "next": "https://shop.example.com/p2"
    }
    assert page('<link rel="nextpage" href="/p2"><a href="/p2">2</a>').pagination == {}


def test_text_scripts_count_the_visible_letters_per_script() -> None:
    facts = page("<title>Заголовок</title><p>Привет, мир! Hello 123</p><script>var x</script>")
    assert facts.text_scripts == {"cyrillic": 9, "latin": 5}  # the title is not body text
    assert page("<title>T</title><p>just words 42</p>").text_scripts == {"latin": 9}
    assert page("<title>T</title><p>1 2 3 !</p>").text_scripts == {}
    assert page(b"%PDF-1.4", ("content-type", "application/pdf")).text_scripts is None


def test_script_counts_group_cjk_skip_symbols_and_sample_long_texts() -> None:
    assert script_counts("東京のホテル 서울 Hotels") == {"cjk": 8, "latin": 6}
    assert script_counts("\U0001f600 \U00010041 € ½ –") == {}  # emoji, astral, symbols
    assert script_counts("हिंदी") == {"devanagari": 5}
    long_text = "Ж" * (scripts.SAMPLES * 3) + "a" * scripts.SAMPLES
    counts = script_counts(long_text)  # sampled: estimates, in the right proportion
    assert list(counts) == ["cyrillic", "latin"]
    assert counts["cyrillic"] == pytest.approx(3 * counts["latin"], rel=0.01)
    assert sum(counts.values()) == pytest.approx(len(long_text), rel=0.01)
    assert sum(script_counts("я" * (scripts.MAX_CHARS * 5)).values()) <= scripts.MAX_CHARS


def test_a_title_longer_than_the_cap_is_measured_whole(tmp_path: Path) -> None:
    """A 120,000-character title was kept cut at 1,000 characters and reported as "Title
    is 1000 characters"; "repeats 'cheap' 83 times" counted only the kept part."""
    from tests.sites import crawl

    title = "cheap " * 20_000
    description = "y" * 1500
    body = f'<title>{title}</title><title>short</title><meta name="description" content="{description}">'
    report = crawl({"/": {"body": body}}, tmp_path).report
    said = {f.rule: f.message for f in report.findings}
    assert said["ONP003"] == f"Title is {len(title.strip()):,} characters (over 60)".replace(
        ",", ""
    )
    assert "in its first 1,000 of 119,999 characters" in said["ONP005"]
    assert said["ONP007"].startswith("Meta description is 1500 characters")
    facts = PageFacts.model_validate(
        {"url": "u", "final_url": "u", "titles": ["a"]}
    )  # facts stored before the field load, with nothing cut
    assert facts.cut_lengths == {}
