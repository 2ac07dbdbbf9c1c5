"""TLS certificates (ONP019): hosts of the site whose https certificate is rejected.

The fetcher records a failed TLS handshake or certificate check as the error kind
"tls-error" with OpenSSL's own words in the detail (crawl/fetch.py); robots.txt keeps the
failing URL and the detail in its reason (``discovery.robots_error``). This module turns
those words into a problem a developer can act on (expired, self-signed, another host's
certificate, an incomplete chain). A TLS failure is not retried, and HTTP002, ROB001 and
PERF001 leave it to ONP019: the fix is the certificate, not the server's load. So a run
whose rules leave ONP019 out does not report it (the exit-3 message still names it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from seoaudit.access import internal_robots
from seoaudit.crawl.urls import host_of
from seoaudit.models import TLS_ERROR
from seoaudit.rules.common import clip, urls_in_state
from seoaudit.rules.registry import Hit, rule

if TYPE_CHECKING:
    from seoaudit.site import RobotsOutcome, Site

MAX_DETAIL = 300
# In a robots.txt reason: "... (tls-error at URL: OpenSSL's words): what Google does".
_FAILING = re.compile(re.escape(TLS_ERROR) + r" at (https?://\S+?): (.*?)(?:\): |$)", re.S)

# OpenSSL's verification messages (both spellings of "self-signed" across versions), in
# the order they are looked for: the first found names the problem.
_PROBLEMS = (
    ("certificate has expired", "the certificate has expired"),
    ("certificate is not yet valid", "the certificate is not valid yet"),
    ("self-signed certificate in certificate chain", "a self-signed certificate in the chain"),
    ("self-signed certificate", "the certificate is self-signed"),
    ("hostname mismatch", "the certificate is for another host name"),
    ("ip address mismatch", "the certificate is for another host name"),
    ("unable to get local issuer certificate", "the issuer is unknown or the chain incomplete"),
    ("unable to verify the first certificate", "the issuer is unknown or the chain incomplete"),
    ("certificate verify failed", "the certificate fails verification"),
)


def problem(detail: str | None) -> str:
    """What is wrong, in plain words, from the TLS error text OpenSSL gave."""
    text = (detail or "").lower().replace("self signed", "self-signed")
    for words, meaning in _PROBLEMS:
        if words in text:
            return meaning
    return "the TLS handshake fails"


@dataclass(frozen=True)
class Rejection:
    """One fetch of an audited host that failed the TLS check."""

    url: str  # the URL fetched (robots.txt, or a page)
    host: str  # the host whose certificate was rejected
    problem: str  # in plain words
    detail: str  # OpenSSL's message
    robots: RobotsOutcome | None  # the robots.txt outcome, when it was robots.txt


def rejections(site: Site) -> Iterator[Rejection]:
    """Every TLS failure on the audited hosts: robots.txt files first, then pages."""
    for row, _ in internal_robots(site):
        if row.error != TLS_ERROR:
            continue
        failing = _FAILING.search(row.reason)
        host = host_of(failing.group(1) if failing else row.url)
        detail = failing.group(2) if failing else row.reason
        yield Rejection(row.url, host, problem(detail), clip(detail, MAX_DETAIL), row)
    for page in site.store.pages_failing(TLS_ERROR):
        if site.is_internal(page.url):
            detail = page.error_detail or ""
            host = host_of(page.final_url or page.url)
            yield Rejection(page.url, host, problem(detail), clip(detail, MAX_DETAIL), None)


def start_problem(site: Site) -> str | None:
    """Why no start URL could be fetched, when a rejected certificate is the reason
    (whichever rules run): for the exit-3 message."""
    for found in rejections(site):
        return rejected(found.host, found.problem)
    return None


def rejected(host: str, problem: str, *, audited: bool = True) -> str:
    """One sentence for a person: whose certificate and what is wrong; for an audited host
    whose issuer is unknown (a company CA) or whose certificate is self-signed, what to
    try."""
    hint = (
        "; for a site certified by an internal CA, pass --ca-bundle FILE"
        if audited and ("issuer" in problem or "self-signed" in problem)
        else ""
    )
    return f"the TLS certificate of {host} is rejected ({problem}){hint}"


@rule(
    "ONP019",
    "tls-certificate-rejected",
    severity="error",
    scope="site",
    group="{count} URLs are on a host whose TLS certificate is rejected ({cause})",
)
def tls_certificate_rejected(site: Site) -> Iterator[Hit]:
    """An https host of the site has a TLS certificate that browsers and Google reject.

    ## What it does
    Flags every URL of the audited hosts whose fetch failed the certificate check
    (expired, not valid yet, self-signed, issued for another host name, unknown issuer or
    incomplete chain) or whose TLS handshake the server refused, with the problem in
    plain words and OpenSSL's message. When robots.txt itself fails (or a URL it redirects
    to), the finding is on robots.txt and on every URL the crawl therefore could not
    fetch, as for ROB001. Certificates are checked against the public certificate
    authorities (plus those of `--ca-bundle`). Such URLs are not also reported as server
    errors (HTTP002, ROB001, PERF001).

    ## Why it matters
    Browsers stop visitors with a full-page security warning. Google does not index
    what it cannot fetch, and between an http and an https copy it prefers the http one
    when the certificate is invalid. When robots.txt cannot be fetched, Google crawls
    nothing on that host.

    ## How to fix
    Renew or replace the certificate so that it covers every host name the site is served
    on (or use a wildcard certificate), is issued by a public certificate authority, and
    is served with its full intermediate chain. Automate renewal (ACME / Let's Encrypt).

    ## How to verify
    `curl -sI https://<host>/` answers without a certificate error (no `-k`), and
    `openssl s_client -connect <host>:443 -servername <host> </dev/null` ends with
    `Verify return code: 0 (ok)`.

    ## Source
    Google Search Central: "How to specify a canonical URL" (Google prefers http when
    the https certificate is invalid); "Secure your site with HTTPS".
    """
    for found in rejections(site):
        cause = f"{found.host}: {found.problem}"
        evidence = {"host": found.host, "problem": found.problem, "detail": found.detail}
        if found.robots is None:
            yield Hit(
                found.url,
                f"TLS certificate of {found.host} is rejected ({found.problem})",
                evidence | {"linked_from": site.linking_pages(found.url, 10)},
                cause=cause,
            )
            continue
        blocked = urls_in_state(site, found.robots.origin, "blocked")
        yield Hit(
            found.url,
            f"TLS certificate of {found.host} is rejected ({found.problem}): robots.txt "
            f"cannot be fetched, so Google crawls nothing on {found.robots.origin}",
            evidence | {"urls_not_crawled": len(blocked)},
            cause=cause,
        )
        for url in blocked:
            yield Hit(
                url,
                f"Not crawlable while the TLS certificate of {found.host} is rejected "
                f"({found.problem})",
                {"host": found.host, "problem": found.problem, "robots_url": found.url},
                cause=cause,
            )
