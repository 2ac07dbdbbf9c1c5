"""Percentiles: one method for every figure the tool reports.

Response times are summarised in three places: the crawl-impact report (every request,
per time window), the speed rules (HTML pages per site section) and the run's KPIs (HTML
pages answering 200, which the CI gate budgets). They count different requests, but a
server team comparing "p95" in one with "p95" in another must not also meet two ways of
computing it. This is the **nearest-rank** method: the p-th percentile is the smallest
value with at least p% of the values at or below it, so it is always a time that was
really measured, and it does not move with the library doing the sums.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence


def nearest_rank(ordered: Sequence[float], p: float) -> float | None:
    """The ``p``-th percentile (0-100) of ``ordered``, which must be sorted; None if empty."""
    if not ordered:
        return None
    rank = math.ceil(p / 100 * len(ordered))
    return ordered[min(max(rank, 1), len(ordered)) - 1]


def percentiles_ms(values: Iterable[float], ps: Iterable[float]) -> dict[str, float | None]:
    """``{"p50": ..., ...}``: the percentiles of ``values`` (seconds) in milliseconds,
    rounded to 0.1 ms; ``p=100`` is the maximum."""
    ordered = sorted(values)
    return {f"p{p:g}": to_ms(nearest_rank(ordered, p)) for p in ps}


def to_ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)
