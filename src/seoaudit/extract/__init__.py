"""Extraction: FetchResult -> PageFacts, pure (no I/O). Rules never parse HTML; everything
they read is extracted here, once. See ``facts.extract``."""

from seoaudit.extract.facts import extract

__all__ = ["extract"]
