"""HTML facts: one parse of a decoded body into the HTML part of ``PageFacts``.

Owns: the tree walk (lexbor via selectolax, the fastest correct HTML5 parser we have) that
collects links, head metadata (titles, descriptions, robots meta, canonicals, hreflang,
rel=next/prev, viewport, refresh, keywords), headings, resources, JSON-LD (and JSON-LD
written in scripts of another type), the elements marked ``data-nosnippet``, the
visible text, the signs of a JavaScript app shell on pages with few words
(``app_shell``); and the placement of head metadata, which combines
the tree with ``head.scan_head`` because the tree builder moves elements that end ``<head>``
early into the body.

Must not: do I/O, decode bytes (``encoding`` does) or judge anything. It walks the tree once
with one CSS query per section (head, body), plus one query per attribute that no walked
element carries (microdata, data-nosnippet), and builds plain dicts that ``facts``
validates into models in one call: measured faster than constructing models one by one.

Text values (titles, descriptions, anchors, headings) have whitespace collapsed, as a search
result or a screen reader shows them; attribute values are kept as written otherwise.
"""

from __future__ import annotations

import re
from itertools import islice
from typing import Any

from selectolax.lexbor import LexborDocumentOptions, LexborHTMLParser, LexborNode

from seoaudit.crawl.urls import normalize, resolve
from seoaudit.extract.directives import is_robots_meta, meta_directive
from seoaudit.extract.encoding import Decoded
from seoaudit.extract.head import HeadScan, scan_head
from seoaudit.extract.jslinks import js_links
from seoaudit.extract.limits import bounded_markup
from seoaudit.extract.scripts import script_counts
from seoaudit.extract.skeleton import skeleton
from seoaudit.extract.structured import json_ld, microdata_and_rdfa, script_json_ld
from seoaudit.extract.text import text_metrics
from seoaudit.extract.visible import probe_visible

MAX_ANCHOR = 200  # characters of anchor text kept
MAX_TEXT = 1000  # characters of a title, heading or description kept
MAX_PARENT_WALK = 32  # ancestors searched (the <a> around an <img>, a header's sectioning)
MAX_NOSNIPPET_TAGS = 20  # distinct tag names carrying data-nosnippet kept
MAX_TAG = 40  # characters of a tag name kept (custom elements: any length)
MAX_SCRIPT_JSON_LD = 10  # JSON-LD blocks in other script types kept
APP_SHELL_WORDS = 100  # pages with fewer visible words are looked at for an app shell
MAX_NOSCRIPTS = 5  # <noscript> elements read for a "turn on JavaScript" message
MAX_NOSCRIPT_TEXT = 100  # characters of that message kept

_SELECTOR = "a, area, link, meta, script, img, iframe, title, h1, h2, h3, h4, h5, h6"
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_NOT_FOLLOWED = frozenset({"nofollow", "ugc", "sponsored"})  # Google's "qualified" links
# Elements whose content is not visible text (iframe content is fallback markup).
_INVISIBLE = ["script", "style", "noscript", "template", "iframe"]
# JavaScript MIME type essences (HTML standard); "" means no type attribute.
_JS_TYPES = frozenset(
    {
        "",
        "application/ecmascript",
        "application/javascript",
        "application/x-ecmascript",
        "application/x-javascript",
        "text/ecmascript",
        "text/javascript",
        "text/javascript1.0",
        "text/javascript1.1",
        "text/javascript1.2",
        "text/javascript1.3",
        "text/javascript1.4",
        "text/javascript1.5",
        "text/jscript",
        "text/livescript",
        "text/x-ecmascript",
        "text/x-javascript",
    }
)
_NON_BLOCKING_MEDIA = frozenset({"print", "speech", "not all"})
# An inline script that may hold JSON: its text starts with "{" or "[" (a match, not a
# strip, so a long script is not copied again).
_JSON_START = re.compile(r"\s*[\[{]")
# rel values of a paginated series (HTML "link types"; "previous" is a common synonym).
_PAGINATION = {"next": "next", "prev": "prev", "previous": "prev"}
_HEAD_OR_BODY = frozenset({"head", "body"})
_BODY, _NOSCRIPT, _SVG, _A = (frozenset({tag}) for tag in ("body", "noscript", "svg", "a"))

Attrs = dict[str, str | None]


def _collapse(text: str, limit: int = MAX_TEXT) -> str:
    return " ".join(text.split())[:limit].rstrip()


def _type_essence(attrs: Attrs) -> str:
    return (attrs.get("type") or "").split(";", 1)[0].strip().lower()


def _inside(node: LexborNode, tags: frozenset[str], stop: frozenset[str]) -> LexborNode | None:
    """The nearest ancestor of ``node`` that is one of ``tags``, not searching past ``stop``
    elements (nor more than MAX_PARENT_WALK levels up)."""
    parent = node.parent
    for _ in range(MAX_PARENT_WALK):
        if parent is None:
            return None
        name = parent.tag
        if name in tags:
            return parent
        if name in stop:
            return None
        parent = parent.parent
    return None


# Page chrome: what repeats on every page of a site around its main content. In HTML-AAM
# terms the navigation, banner, contentinfo and complementary landmarks: <nav>, <aside>,
# <header> and <footer> when not inside sectioning content (an article's own header is the
# article's), and any element with one of those ARIA roles.
_CHROME_SELECTOR = "nav, aside, header, footer, [role]"  # roles compared in Python: faster
_CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary"})
_SECTIONING = frozenset({"article", "aside", "main", "nav", "section"})


def _is_chrome(node: LexborNode) -> bool:
    if (node.attributes.get("role") or "").strip().lower() in _CHROME_ROLES:
        return True
    tag = node.tag
    if tag == "nav" or tag == "aside":
        return True
    if tag != "header" and tag != "footer":
        return False  # another element with another role
    # <header> or <footer>: a landmark unless in sectioning content
    return _inside(node, _SECTIONING, _BODY) is None


def chrome_words(body: LexborNode | None) -> int:
    """Visible words in the page chrome (outermost landmarks only: a <nav> inside the
    <header> counts once), split as the text metrics split them. Call after the invisible
    elements are stripped."""
    if body is None:
        return 0
    chrome: set[int] = set()
    words = 0
    for node in body.css(_CHROME_SELECTOR):
        if not _is_chrome(node):
            continue
        chrome.add(node.mem_id)
        parent = node.parent
        for _ in range(MAX_PARENT_WALK):
            if parent is None or parent.mem_id in chrome:
                break
            parent = parent.parent
        if parent is None or parent.mem_id not in chrome:  # outermost (or too deep to tell)
            words += len(node.text(separator=" ").split())
    return words


def nosnippet_tags(body: LexborNode) -> list[str]:
    """Distinct tag names of the elements carrying ``data-nosnippet``, in document order
    (the first ``MAX_NOSNIPPET_TAGS``). One CSS query: about 14 µs on a 40 KB page without
    any, measured; Google honours the attribute on span, div and section only."""
    tags: list[str] = []
    for node in body.css("[data-nosnippet]"):
        tag = (node.tag or "")[:MAX_TAG]  # a custom element's name is as long as written
        if tag and tag not in tags:
            tags.append(tag)
            if len(tags) == MAX_NOSNIPPET_TAGS:
                break
    return tags


def _in_noscript(node: LexborNode) -> bool:
    """Inside <noscript>: a browser that runs scripts never loads it, so it blocks nothing."""
    return _inside(node, _NOSCRIPT, _HEAD_OR_BODY) is not None


# Elements that JavaScript frameworks render an application into: the mount points of
# create-react-app, Vite, Vue CLI, Next.js, Nuxt, Gatsby, SvelteKit, Quasar and Angular
# (<app-root>, ng-app). They count only when (nearly) empty: a server-rendered app keeps
# its mount point around the real content (Next.js, Laravel's <div id="app"> layout).
# React's data-reactroot and Vue's data-v-app mark HTML already rendered: not shells.
_APP_ROOT_IDS = ("root", "app", "__next", "__nuxt", "___gatsby", "svelte", "q-app")
_APP_ROOT_ATTRS = ("ng-app", "data-ng-app")
_APP_ROOT_SELECTOR = ", ".join(
    [f"#{name}" for name in _APP_ROOT_IDS] + ["app-root"] + [f"[{a}]" for a in _APP_ROOT_ATTRS]
)
MOUNT_WORDS = 3  # words a mount point may hold and still be empty ("Loading...")
MAX_MOUNT_POINTS = 5  # framework mount points looked at
_NOSCRIPT_OPEN = re.compile(r"<noscript\b", re.IGNORECASE)
MAX_START_TAG = 500  # characters searched for the ">" that ends a <noscript> start tag
_MARKUP_TAG = re.compile(r"<[^>]{0,500}>")
# <style> and <script> inside <noscript>: not a message (".js-only { display: none }").
_NOSCRIPT_CODE = re.compile(
    r"<(style|script)\b[^>]{0,500}>.{0,2000}?</\1\s*>", re.IGNORECASE | re.DOTALL
)
# A message asking for JavaScript, in any language as long as it names JavaScript and is
# not about a widget of the page (Disqus: "enable JavaScript to view the comments").
_ASKS_FOR_JS = re.compile(r"javascript|\bjs\b", re.IGNORECASE)
_WIDGET = re.compile(r"comment|disqus|\bmap\b|video|player|chat", re.IGNORECASE)


def _mount_point(tree: LexborHTMLParser) -> str | None:
    """The first framework mount point that holds (nearly) no text, as written."""
    for node in tree.css(_APP_ROOT_SELECTOR)[:MAX_MOUNT_POINTS]:
        if len(node.text(separator=" ").split(None, MOUNT_WORDS + 1)) > MOUNT_WORDS:
            continue
        attrs = node.attributes
        tag = (node.tag or "")[:MAX_TAG]
        found = attrs.get("id")
        if found in _APP_ROOT_IDS:
            return f'<{tag} id="{found}">'
        named = [a for a in _APP_ROOT_ATTRS if a in attrs]
        return f"<{tag} {named[0]}>" if named else f"<{tag}>"
    return None


def app_shell(tree: LexborHTMLParser, html: str) -> str | None:
    """What marks a page as the empty shell of a JavaScript application: an empty element
    its framework renders into (``<div id="root">``, ``<app-root>``, ``<html ng-app>``)
    and a ``<noscript>`` asking to turn JavaScript on (quoted, capped); None when neither is
    there. ``html`` is the markup as written: the tree has lost its <noscript> elements by
    the time the words are counted, and this is only called on pages with few words."""
    signs: list[str] = []
    mount = _mount_point(tree)
    if mount is not None:
        signs.append(mount)
    for opening in islice(_NOSCRIPT_OPEN.finditer(html), MAX_NOSCRIPTS):
        start = html.find(">", opening.end(), opening.end() + MAX_START_TAG) + 1
        if not start:
            continue
        content = html[start : start + 20 * MAX_NOSCRIPT_TEXT]
        end = content.lower().find("</noscript")
        content = _NOSCRIPT_CODE.sub(" ", content if end < 0 else content[:end])
        text = _collapse(_MARKUP_TAG.sub(" ", content))
        if _ASKS_FOR_JS.search(text) and not _WIDGET.search(text):
            signs.append(f'<noscript> "{_collapse(text, MAX_NOSCRIPT_TEXT)}"')
            break
    return " and ".join(signs) or None


class _Page:
    """Accumulates the HTML facts of one document during the walk."""

    def __init__(
        self, tree: LexborHTMLParser, scan: HeadScan, final_url: str, hosts: frozenset[str]
    ):
        self.scan = scan
        self.entry = 0  # next HeadScan entry to match against a <link>/<meta> element
        self.base = _base_url(tree, final_url)
        self.hosts = hosts
        self.facts: dict[str, Any] = {
            "is_html": True,
            "head_ended_by": scan.ended_by,
            "titles": [],
            "meta_descriptions": [],
            "headings": [],
            "directives": [],
            "canonicals": [],
            "hreflangs": [],
            "links": [],
            "resources": [],
            "structured_data": [],
        }
        self.anchors: dict[int, dict[str, Any]] = {}  # element id -> its link, for image alt

    def kept(self, field: str, text: str) -> str:
        """``text`` collapsed and cut at MAX_TEXT; when the first value of ``field`` (the
        one rules measure) is cut, its whole length is recorded: rules measure the page,
        not the cap."""
        collapsed = " ".join(text.split())
        if len(collapsed) > MAX_TEXT and not self.facts[field + "s"]:
            self.facts.setdefault("cut_lengths", {})[field] = len(collapsed)
        return collapsed[:MAX_TEXT].rstrip()

    def place(self, tag: str, key: str, in_head: bool) -> tuple[bool, bool]:
        """(in head markup, after head end) of the next <link>/<meta> element. Elements are
        matched in order against the head scan; on any disagreement the tree decides."""
        entries = self.scan.entries
        if self.entry < len(entries):
            entry_tag, entry_key, after = entries[self.entry]
            if entry_tag == tag and entry_key == key:
                self.entry += 1
                return True, after
            self.entry = len(entries)
        return in_head, False

    def walk(self, nodes: list[LexborNode], in_head: bool) -> None:
        for node in nodes:
            tag = node.tag
            if tag == "a" or tag == "area":
                self.link(node, tag)
            elif tag == "img":
                self.image(node, in_head)
            elif tag == "link":
                self.link_element(node, in_head)
            elif tag == "meta":
                self.meta(node.attributes, in_head)
            elif tag == "script":
                self.script(node, in_head)
            elif tag in _HEADINGS:
                text = _collapse(node.text())
                self.facts["headings"].append({"level": _HEADINGS[tag], "text": text})
            elif tag == "title":
                if _inside(node, _SVG, _HEAD_OR_BODY) is None:
                    self.facts["titles"].append(self.kept("title", node.text()))
            elif tag == "iframe":
                self.resource("iframe", node.attributes.get("src"), in_head)

    def resource(self, kind: str, src: str | None, in_head: bool, **extra: Any) -> None:
        src = src or ""
        url = resolve(self.base, src) if src else None
        self.facts["resources"].append(
            {"kind": kind, "src": src, "url": url, "in_head": in_head, **extra}
        )

    def link(self, node: LexborNode, tag: str) -> None:
        attrs = node.attributes
        href = attrs.get("href")
        if href is None:  # <a> without href is not a link (RES-005 counts those elsewhere)
            return
        url = resolve(self.base, href)
        rel = attrs.get("rel") or ""
        nofollow = False
        if rel:
            rels = rel.lower().split()
            rel, nofollow = " ".join(rels), not _NOT_FOLLOWED.isdisjoint(rels)
        text = node.text() if tag == "a" else attrs.get("alt") or ""
        link = {
            "href": href,
            "url": url,
            "rel": rel,
            "text": " ".join(text.split())[:MAX_ANCHOR].rstrip() if text else "",
            "title": attrs.get("title") or attrs.get("aria-label"),
            "nofollow": nofollow,
            "internal": url is not None and url.split("/", 3)[2] in self.hosts,
        }
        self.facts["links"].append(link)
        if tag == "a":
            self.anchors[node.mem_id] = link

    def image(self, node: LexborNode, in_head: bool) -> None:
        attrs = node.attributes
        alt = (attrs.get("alt") or "") if "alt" in attrs else None
        self.resource(
            "image",
            attrs.get("src"),
            in_head,
            alt=alt,
            width=attrs.get("width"),
            height=attrs.get("height"),
            loading=attrs.get("loading"),
            # Hidden from assistive technology: an alt text is not expected (WAI-ARIA).
            decorative=(attrs.get("role") or "").strip().lower() in ("presentation", "none")
            or (attrs.get("aria-hidden") or "").strip().lower() == "true",
        )
        if alt is not None and self.anchors:
            anchor = _inside(node, _A, _BODY)
            link = None if anchor is None else self.anchors.get(anchor.mem_id)
            if link is not None and link.get("image_alt") is None:
                link["image_alt"] = _collapse(alt, MAX_ANCHOR)

    def script(self, node: LexborNode, in_head: bool) -> None:
        attrs = node.attributes
        essence = _type_essence(attrs)
        if essence == "application/ld+json":
            self.facts["structured_data"].append(json_ld(node.text()))
        elif "src" in attrs:
            blocking = (
                in_head
                and essence in _JS_TYPES
                and "async" not in attrs
                and "defer" not in attrs
                and not _in_noscript(node)
            )
            self.resource("script", attrs.get("src"), in_head, render_blocking=blocking)
        else:
            self.inline_script(node, attrs.get("type"))

    def inline_script(self, node: LexborNode, script_type: str | None) -> None:
        """Keep schema.org JSON-LD written in a script of another type (SD-002). Only text
        that starts like JSON and names "@context" is looked at further: two C-speed scans,
        so inline JavaScript costs next to nothing."""
        text = node.text()
        if _JSON_START.match(text) is None or '"@context"' not in text:
            return
        found = self.facts.setdefault("script_json_ld", [])
        if len(found) < MAX_SCRIPT_JSON_LD:
            block = script_json_ld(text, script_type)
            if block is not None:
                found.append(block)

    def link_element(self, node: LexborNode, in_head: bool) -> None:
        attrs = node.attributes
        raw_rel = attrs.get("rel") or ""
        in_head_markup, after = self.place("link", raw_rel.strip().lower(), in_head)
        rels = raw_rel.lower().split()
        href = attrs.get("href") or ""
        url = resolve(self.base, href) if href else None
        if "canonical" in rels:
            self.facts["canonicals"].append(
                {
                    "source": "head" if in_head_markup else "body",
                    "href": href,
                    "url": url,
                    "after_head_end": after,
                    "attrs": _other_attrs(attrs, ("rel", "href")),
                }
            )
        if "alternate" in rels and "hreflang" in attrs:
            self.facts["hreflangs"].append(
                {
                    "source": "head" if in_head_markup else "body",
                    "lang": attrs.get("hreflang") or "",
                    "href": href,
                    "url": url,
                    "after_head_end": after,
                    "attrs": _other_attrs(attrs, ("rel", "href", "hreflang")),
                }
            )
        if "stylesheet" in rels:
            media = (attrs.get("media") or "").strip().lower()
            blocking = (
                in_head
                and "alternate" not in rels
                and "disabled" not in attrs
                and media not in _NON_BLOCKING_MEDIA
                and not _in_noscript(node)
            )
            self.resource("stylesheet", href, in_head, render_blocking=blocking)
        if url is not None and not _PAGINATION.keys().isdisjoint(rels):
            pagination = self.facts.setdefault("pagination", {})
            for rel in rels:
                if rel in _PAGINATION:
                    pagination.setdefault(_PAGINATION[rel], url)

    def meta(self, attrs: Attrs, in_head: bool) -> None:
        name = (attrs.get("name") or "").strip().lower()
        in_head_markup, after = self.place("meta", name, in_head)
        content = attrs.get("content") or ""
        facts = self.facts
        if name == "description":
            facts["meta_descriptions"].append(self.kept("meta_description", content))
        elif name == "viewport":
            facts.setdefault("viewport", content)
        elif name == "keywords":
            facts.setdefault("meta_keywords", _collapse(content))
        elif name and is_robots_meta(name):
            facts["directives"].append(
                meta_directive(name, content, in_body=not in_head_markup, after_head_end=after)
            )
        elif not name and (attrs.get("http-equiv") or "").strip().lower() == "refresh":
            facts.setdefault("meta_refresh", content)


def _other_attrs(attrs: Attrs, skip: tuple[str, ...]) -> dict[str, str]:
    return {key: value or "" for key, value in attrs.items() if key not in skip}


def _base_url(tree: LexborHTMLParser, final_url: str) -> str:
    """The document base URL: the first ``<base href>`` resolved against the response URL
    (HTML standard, "document base URL"); junk or non-http(s) bases are ignored."""
    for node in tree.tags("base"):
        href = node.attributes.get("href")
        if href is not None:
            return resolve(final_url, href) or final_url
    return final_url


def _visible_text(tree: LexborHTMLParser) -> str:
    tree.strip_tags(_INVISIBLE, recursive=True)
    body = tree.body
    return body.text(separator=" ") if body is not None else ""


def own_hosts(final_url: str, internal_hosts: frozenset[str] | set[str]) -> frozenset[str]:
    """Hosts whose links count as internal: the given ones, else the page's own host."""
    if internal_hosts:
        return frozenset(h.lower() for h in internal_hosts)
    url = normalize(final_url)
    return frozenset({url.split("/", 3)[2]}) if url else frozenset()


def html_facts(decoded: Decoded, final_url: str, hosts: frozenset[str]) -> dict[str, Any]:
    """The HTML part of PageFacts, as plain data ready for validation."""
    markup, cut = bounded_markup(decoded.utf8)
    # Without mutation events: they only mirror <option>s into <selectedcontent> (which
    # would duplicate text), and they make a <select> with many options parse in O(n^2).
    tree = LexborHTMLParser(markup, options=LexborDocumentOptions.WO_EVENTS)
    page = _Page(tree, scan_head(decoded.text), final_url, hosts)
    facts = page.facts
    facts["charset"] = decoded.charset
    if decoded.replaced:
        facts["undecodable"] = {"count": decoded.replaced, "at": decoded.replaced_at}
    facts["charset_declared"] = {
        where: label
        for where, label in zip(("bom", "header", "meta"), decoded.declared, strict=True)
        if label is not None
    }
    if cut is not None:
        facts["markup_truncated"] = True
        facts["markup_cut"] = {"at": len(markup), "of": len(decoded.utf8), "why": cut}
    head, body = tree.head, tree.body
    page.walk(head.css(_SELECTOR) if head is not None else [], True)
    page.walk(body.css(_SELECTOR) if body is not None else [], False)
    if body is not None:
        facts["nosnippet_tags"] = nosnippet_tags(body)
    root = tree.root
    if root is not None:
        facts["lang"] = root.attributes.get("lang")
        # [itemprop] too, so that a stray itemprop on a page without any item is found
        # (SD028): about 10 µs more on a 40 KB page, measured, for the one query.
        if root.css_first("[itemscope], [itemprop], [typeof], [vocab]") is not None:
            blocks, problems = microdata_and_rdfa(root, page.base)
            facts["structured_data"].extend(blocks)
            if problems:
                facts["microdata_rdfa_problems"] = problems
    facts["skeleton"] = skeleton(body)  # before _visible_text strips elements
    text = _visible_text(tree)
    facts["word_count"], facts["fingerprint"], facts["simhash"] = text_metrics(text)
    facts["main_word_count"] = max(0, facts["word_count"] - chrome_words(tree.body))
    facts["text_scripts"] = script_counts(text)
    if facts["word_count"] < APP_SHELL_WORDS:  # few pages: the cost stays off the others
        facts["app_shell"] = app_shell(tree, decoded.text)
    facts["js_links"], facts["js_link_count"] = js_links(tree.body, page.base)
    probe_visible(facts["structured_data"], text)
    return facts
