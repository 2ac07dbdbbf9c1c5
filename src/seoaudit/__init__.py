"""seoaudit: a command-line technical SEO auditor.

Crawl a site the way a search engine does, record what was seen as facts, judge the facts
with rules, group findings by root cause and rank them by business impact.
"""

__version__ = "0.1.0"

USER_AGENT = (
    f"Mozilla/5.0 (compatible; seoaudit/{__version__}; +https://github.com/seoaudit/seoaudit)"
)
