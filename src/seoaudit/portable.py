"""URLs and causes read relative to the audited site's origin, so that one site audited on
two origins (staging and production, a local server on another port) gives the same
fingerprints (baseline.py) and issue ids (impact.py). No dependency on settings: both
modules import it.
"""

from __future__ import annotations

import functools
import re

from seoaudit.crawl.urls import origin
from seoaudit.models import RunInfo


def base_origin(run: RunInfo) -> str:
    return origin(run.start_urls[0]) if run.start_urls else ""


@functools.lru_cache(maxsize=16)
def _origin_pattern(base: str) -> re.Pattern[str] | None:
    # The origin followed by a path, query, fragment, whitespace or the end: never the
    # prefix of a longer host or port. Cached: every finding's fingerprint asks for it
    # (re.escape on each call was ~1% of a 10,000-page audit).
    return re.compile(re.escape(base) + r"(?=[/?#\s]|$)") if base else None


def relative(text: str, base: str) -> str:
    """``text`` with the site's origin taken out of every URL in it."""
    pattern = _origin_pattern(base)
    return pattern.sub("", text) if pattern else text


@functools.lru_cache(maxsize=16)
def _host_pattern(base: str) -> re.Pattern[str] | None:
    # The origin's host[:port] as a whole token: not inside a URL (after "/" or "@"), not
    # part of a longer host name (shop.example.com.evil, www-example.com) or port, not
    # followed by a path. Host names ignore case.
    host = base.partition("://")[2]
    if not host:
        return None
    return re.compile(
        r"(?<![\w.\-/@:])" + re.escape(host) + r"(?![\w\-]|\.\w|:\d|/)", re.IGNORECASE
    )


def portable_cause(cause: str, base: str) -> str:
    """``cause`` as a fingerprint hashes it: ``relative``, and the site's host[:port]
    standing alone taken out too, for the causes that name the server, not a URL (PERF001
    ``www.example.com``, PERF005 ``www.example.com: no ETag or Last-Modified``, ONP019).
    Another host (a CDN's) stays."""
    text = relative(cause, base)
    pattern = _host_pattern(base)
    return pattern.sub("", text) if pattern else text
