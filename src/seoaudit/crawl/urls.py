"""URLs: normalisation, resolution against a base, and crawl scope.

One definition of "the same URL" for the whole program: scheme and host lower-cased,
default port dropped, fragment dropped, empty path made "/", non-ASCII and unsafe bytes
percent-encoded (UTF-8) and escapes upper-cased. Path and query keep their case and
order (they are case-sensitive for servers and for robots.txt).

Resolution is on the hot path (a page has ~100 links and most repeat on every page), so
root-relative and absolute hrefs are cached per origin rather than per page.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import SplitResult, quote, unquote, urljoin, urlsplit, urlunsplit

MAX_URL_LENGTH = 8192  # longer URLs are rejected as junk, not fetched

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Characters left as they are when re-quoting a path or query: RFC 3986 reserved and
# unreserved characters plus "%" so that existing escapes survive.
_SAFE_PATH = "/:@!$&'()*+,;=-._~%"
_SAFE_QUERY = _SAFE_PATH + "?"
# Second levels under which country domains register names (example.co.uk,
# example.com.au): a guess at a host's registered name without the public suffix list.
# Query parameters that number the pages of a series (?page=3, ?p=3, ?pg=3, ?paged=3) and
# the path segments that do (/page/3/, /seite/3): the crawl-trap guard leaves them out of
# filter combinations, the rules read them to recognise series pages (rules.common).
PAGE_PARAMETER_NAMES = frozenset(
    {"page", "p", "pg", "paged", "pagenum", "pageno", "page_no", "pagina", "seite"}
)
PAGE_SEGMENTS = "page|p|seite|pagina"
SECOND_LEVELS = frozenset({"co", "com", "net", "org", "gov", "edu", "ac", "or", "ne", "go"})
_ESCAPE = re.compile(r"%([0-9a-fA-F]{2})")
_BAD_ESCAPE = re.compile(r"%(?![0-9a-fA-F]{2})")


def _requote(part: str, safe: str) -> str:
    # A "%" not followed by two hex digits is a literal percent sign: encode it.
    if "%" in part:
        part = _BAD_ESCAPE.sub("%25", part)
    # control characters (C0, DEL) are encoded as browsers do (WHATWG URL): a link
    # written with one is fetched as /a-%01b, not rejected by the HTTP client
    if not part.isascii() or not part.isprintable() or any(c in part for c in ' "<>\\^`{|}'):
        part = quote(part, safe=safe, encoding="utf-8", errors="surrogateescape")
    if "%" in part:
        part = _ESCAPE.sub(lambda m: "%" + m.group(1).upper(), part)
    return part


# WHATWG URL "forbidden domain code points" a parsed host can still hold ("|" in a host
# would also split a Markdown table cell); ":" only in IPv6 literals, checked apart.
_FORBIDDEN_HOST = frozenset(" #%/<>?@[\\]^|")


def _host(split: SplitResult) -> str | None:
    try:
        host = split.hostname
        port = split.port
    except ValueError:  # invalid port or bracketed host
        return None
    if not host:
        return None
    if "%" in host:  # a browser decodes the host first: ex%61mple.com is example.com
        try:
            host = unquote(host, errors="strict").lower()
        except UnicodeDecodeError:  # %FF: no host (WHATWG: failure)
            return None
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    if not host.isprintable() or any(c in _FORBIDDEN_HOST for c in host):
        return None  # forbidden host code points and control characters (WHATWG URL)
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS.get(split.scheme):
        return f"{host}:{port}"
    return host


@lru_cache(maxsize=65536)
def normalize(url: str) -> str | None:
    """The canonical string form of an absolute http(s) URL, or None if it is not one."""
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH:
        return None
    try:
        split = urlsplit(url)
    except ValueError:
        return None
    scheme = split.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return None
    host = _host(split)
    if host is None:
        return None
    path = _requote(split.path or "/", _SAFE_PATH)
    query = _requote(split.query, _SAFE_QUERY)
    return urlunsplit((scheme, host, path, query, ""))


# The scheme and authority of a plain http(s) URL, as urlsplit reads them. Anything else
# (upper-case scheme, brackets, tabs or newlines that urlsplit drops, non-ASCII) takes
# urlsplit itself. ~0.3 us instead of ~2 us: the crawler and the report ask per URL.
_PLAIN_AUTHORITY = re.compile(r"(https?)://([^/?#\[\]\t\r\n]*)(?=[/?#]|\Z)")


def _authority(url: str) -> tuple[str, str]:
    """(scheme, netloc) of ``url``, exactly as ``urlsplit`` gives them."""
    found = _PLAIN_AUTHORITY.match(url) if url.isascii() else None
    if found is not None:
        return found.group(1), found.group(2)
    split = urlsplit(url)
    return split.scheme, split.netloc


def origin(url: str) -> str:
    """scheme://host[:port] of a normalised URL."""
    scheme, netloc = _authority(url)
    return f"{scheme}://{netloc}"


def host_of(url: str) -> str:
    return _authority(url)[1].lower()


def bare_host(url: str) -> str:
    """The host name of ``url`` without ``www.`` (a www host and its bare name as one
    site), without port; "" when ``url`` has none or does not parse (crawled text)."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


@lru_cache(maxsize=262144)
def _resolve_cached(base: str, href: str) -> str | None:
    try:
        joined = urljoin(base, href)
    except ValueError:
        return None
    return normalize(joined)


@lru_cache(maxsize=64)  # the links of a page resolve against one base, again and again
def _root(base: str) -> str:
    return origin(base) + "/"


def resolve(base: str, href: str) -> str | None:
    """Resolve ``href`` as written on a page at ``base``; None for non-http(s) targets
    (javascript:, mailto:, tel:, data:), empty or malformed hrefs. The fragment is dropped."""
    href = href.strip()
    if not href or len(href) > MAX_URL_LENGTH:
        return None
    first = href[0]
    if first == "#":
        # A fragment-only link points at the page itself.
        return normalize(base)
    if first == "/" and not href.startswith("//"):
        # Root-relative: the result depends on the origin only, so cache per origin.
        return _resolve_cached(_root(base), href)
    if ":" in href[:12]:
        scheme = href.split(":", 1)[0].lower()
        if scheme in _DEFAULT_PORTS:
            return _resolve_cached("", href)
        if scheme.isalpha() or scheme.replace("+", "").replace("-", "").replace(".", "").isalnum():
            return None  # another scheme: mailto:, javascript:, tel:, data:, ftp:...
    return _resolve_cached(base, href)


def name_labels(labels: list[str]) -> int:
    """How many of a host's last labels make its registered name: 3 under a country's
    second level (example.co.uk of shop.example.co.uk), else 2 (example.com)."""
    under_country = len(labels) >= 2 and len(labels[-1]) == 2 and labels[-2] in SECOND_LEVELS
    return 3 if under_country else 2


def strip_fragment(url: str) -> str:
    return url.split("#", 1)[0]


class Scope:
    """Which URLs the crawl may fetch: the start URLs' hosts (or an explicit host list),
    narrowed by include/exclude regular expressions matched against the whole URL."""

    def __init__(
        self,
        hosts: set[str],
        include: list[str] | None = None,
        exclude: list[str] | None = None,
    ) -> None:
        self.hosts = {h.lower() for h in hosts}
        self.include = [re.compile(p) for p in include or []]
        self.exclude = [re.compile(p) for p in exclude or []]

    @classmethod
    def for_start_urls(
        cls, urls: list[str], include: list[str] | None = None, exclude: list[str] | None = None
    ) -> Scope:
        return cls({host_of(u) for u in urls}, include, exclude)

    def is_internal(self, url: str) -> bool:
        """Same host as a start URL (whatever include/exclude say)."""
        return host_of(url) in self.hosts

    def allows(self, url: str) -> bool:
        if not self.is_internal(url):
            return False
        if self.include and not any(p.search(url) for p in self.include):
            return False
        return not any(p.search(url) for p in self.exclude)
