"""Owner hints: which team an issue most likely lands with, so a ticket is routed, not
bounced. A hint, shown as such: teams are cut differently everywhere.

Three owners, in the words backlogs use:

- ``server/infrastructure``: web server, CDN, WAF, redirects, status codes, response
  headers (X-Robots-Tag, Link), robots.txt as a served file, speed of the response.
- ``templates/front end``: the HTML the application renders for many pages at once: head
  tags (canonical, hreflang, robots meta), structured data, links in navigation, scripts.
- ``content/CMS``: what editors write page by page: titles, descriptions, headings, copy,
  image alt text, which pages exist and link where.

Decided from the rule family (the table), then refined by the cause: an issue grouped by
template is a template change; evidence that names a response header or a robots.txt
line is the server's. Owns only this mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SERVER = "server/infrastructure"
TEMPLATES = "templates/front end"
CONTENT = "content/CMS"
OWNERS = (SERVER, TEMPLATES, CONTENT)

# Rule-code family -> owner. Families not listed default to templates/front end: most
# technical SEO fixes are a change to the rendered HTML.
FAMILY_OWNER: dict[str, str] = {
    "ROB": SERVER,  # robots.txt is a served file
    "BOT": SERVER,  # crawler access: WAF, bot management, robots.txt
    "HTTP": SERVER,  # status codes and redirects
    "PERF": SERVER,  # response time, compression, caching
    "SEC": SERVER,
    "TLS": SERVER,
    "SMP": SERVER,  # sitemaps are generated and served by the platform
    "IDX": TEMPLATES,
    "CAN": TEMPLATES,
    "HRF": TEMPLATES,
    "SD": TEMPLATES,
    "RES": TEMPLATES,
    "JS": TEMPLATES,
    "LNK": TEMPLATES,
    "ONP": CONTENT,  # titles, descriptions, headings
    "CNT": CONTENT,
    "DUP": CONTENT,
    "IMG": CONTENT,
}
# Single rules whose usual fix differs from their family's.
RULE_OWNER: dict[str, str] = {
    "HTTP001": CONTENT,  # a broken internal URL: fix the links (or add a redirect)
    # On-page rules whose fix is not an editor's: the rendered head and resource URLs
    # are the templates', https and certificates the server's.
    "ONP002": TEMPLATES,  # two <title> elements: a template and a plugin both write one
    "ONP015": TEMPLATES,  # <html lang>
    "ONP016": TEMPLATES,  # <meta name="viewport">
    "ONP017": TEMPLATES,  # http:// script, style and image URLs in the rendered page
    "ONP018": SERVER,  # http -> https redirects
    "ONP019": SERVER,  # the TLS certificate
    "ONP020": TEMPLATES,  # <meta name="keywords">
    "ONP021": TEMPLATES,  # pagination links
    "ONP023": TEMPLATES,  # <meta charset> (or the server's Content-Type charset)
}


def family(code: str) -> str:
    return code.rstrip("0123456789")


def owner_for(
    rule: str, cause: str | None, evidence: Mapping[str, Any], *, template: str | None = None
) -> str:
    """The team hint for one issue of ``rule`` with ``cause`` and its first evidence."""
    text = f"{cause or ''} {evidence.get('source', '')}".lower()
    if "x-robots-tag" in text or "robots.txt" in text or evidence.get("source") == "header":
        return SERVER
    if template is not None and FAMILY_OWNER.get(family(rule)) != SERVER:
        return TEMPLATES  # one template change fixes every page of the group
    return RULE_OWNER.get(rule) or FAMILY_OWNER.get(family(rule), TEMPLATES)
