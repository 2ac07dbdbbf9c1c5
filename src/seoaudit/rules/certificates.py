"""TLS certificates (ONP019): hosts of the site whose https certificate is rejected.

The fetcher records a failed TLS handshake or certificate check as the error kind
"tls-error" with OpenSSL's own words in the detail (crawl/fetch.py); robots.txt keeps the
detail in its reason. This module turns those words into a problem a developer can act on
(expired, self-signed, another host's certificate, an incomplete chain). A TLS failure is
not retried and is left out of HTTP002: the fix is the certificate, not the server's load.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from seoaudit.crawl.urls import host_of
from seoaudit.rules.common import clip
from seoaudit.rules.registry import Hit, rule

if TYPE_CHECKING:
    from seoaudit.site import Site

TLS_ERROR = "tls-error"
MAX_DETAIL = 300

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


@rule(
    "ONP019",
    "tls-certificate-rejected",
    severity="error",
    scope="site",
    group="{count} URLs are on a host whose TLS certificate is rejected ({cause})",
)
def tls_certificate_rejected(site: Site) -> Iterator[Hit]:
    """An https host of the site fails the TLS certificate check (expired, self-signed,
    issued for another host name, incomplete chain) or the TLS handshake.

    ## What it does
    Flags every URL whose fetch failed in the TLS handshake, and every host whose
    robots.txt did, with the problem in plain words and OpenSSL's message. Certificates
    are checked against the public certificate authorities (plus those of `--ca-bundle`),
    as browsers and Googlebot check them. Such a URL is not also reported as a server
    error (HTTP002).

    ## Why it matters
    Browsers stop visitors with a full-page security warning. Google does not index
    what it cannot fetch, and between an http and an https copy it prefers the http one
    when the certificate is invalid. When robots.txt itself fails, Google crawls nothing
    on that host.

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
    for robots in site.robots:
        if robots.error == TLS_ERROR:
            host = host_of(robots.url)
            what = problem(robots.reason)
            yield Hit(
                robots.url,
                f"TLS certificate of {host} is rejected ({what}): robots.txt cannot be "
                "fetched, so nothing on the host is crawled",
                {"host": host, "problem": what, "detail": clip(robots.reason, MAX_DETAIL)},
                cause=f"{host}: {what}",
            )
    for page in site.store.pages_failing(TLS_ERROR):
        host = host_of(page.url)
        what = problem(page.error_detail)
        yield Hit(
            page.url,
            f"TLS certificate of {host} is rejected ({what})",
            {
                "host": host,
                "problem": what,
                "detail": clip(page.error_detail or "", MAX_DETAIL),
                "linked_from": site.linking_pages(page.url, 10),
            },
            cause=f"{host}: {what}",
        )
