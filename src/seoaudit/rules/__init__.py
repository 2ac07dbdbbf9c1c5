"""Rules: one module per concern, all registered in ``registry.REGISTRY`` on import.

Importing this package registers every rule.
"""

from seoaudit.rules import (
    asset_urls,
    canonicals,
    crawl_blocks,
    crawl_traps,
    crawler_access,
    duplicates,
    hreflang,
    indexing_directives,
    links,
    onpage,
    redirects,
    render_resources,
    sitemaps,
    speed,
    status_codes,
    structured_data,
    structured_eligibility,
    structured_values,
)
from seoaudit.rules.registry import (
    REGISTRY,
    Hit,
    RuleSpec,
    group_titles,
    rule,
    rules_markdown,
    run_rules,
    selected,
)

__all__ = [
    "REGISTRY",
    "Hit",
    "RuleSpec",
    "asset_urls",
    "canonicals",
    "crawl_blocks",
    "crawl_traps",
    "crawler_access",
    "duplicates",
    "group_titles",
    "hreflang",
    "indexing_directives",
    "links",
    "onpage",
    "redirects",
    "render_resources",
    "rule",
    "rules_markdown",
    "run_rules",
    "selected",
    "sitemaps",
    "speed",
    "status_codes",
    "structured_data",
    "structured_eligibility",
    "structured_values",
]
