"""Text taken from crawled sites, made safe to print: a page title or a robots.txt line may
carry control characters or terminal escape sequences, which must never reach a terminal,
a CI log or a report line. One definition, used by every place that prints such text."""

from __future__ import annotations


def printable(
    text: str, limit: int | None = None, *, replacement: str = " ", keep: str = ""
) -> str:
    """``text`` with every non-printable character but those in ``keep`` (``"\n\t"`` for
    multi-line text) replaced; cut at ``limit`` characters (the last one an ellipsis) when
    a limit is given."""
    text = "".join(c if c.isprintable() or c in keep else replacement for c in text)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text
