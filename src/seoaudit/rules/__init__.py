"""Rules: one module per concern, all registered in ``registry.REGISTRY`` on import.

Importing this package registers every rule.
"""

from seoaudit.rules import crawl_blocks, status_codes
from seoaudit.rules.registry import (
    REGISTRY,
    Hit,
    RuleSpec,
    group_titles,
    rule,
    run_rules,
    selected,
)

__all__ = [
    "REGISTRY",
    "Hit",
    "RuleSpec",
    "crawl_blocks",
    "group_titles",
    "rule",
    "run_rules",
    "selected",
    "status_codes",
]
