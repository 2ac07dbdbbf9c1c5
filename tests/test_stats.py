"""One percentile method (nearest rank) for every response-time figure the tool reports."""

from __future__ import annotations

import numpy as np
import pytest

from seoaudit.stats import nearest_rank, percentiles_ms


@pytest.mark.parametrize("size", [1, 2, 3, 7, 10, 101, 1000])
@pytest.mark.parametrize("p", [0, 1, 25, 50, 90, 95, 99, 100])
def test_nearest_rank_agrees_with_numpys_inverted_cdf(size: int, p: int) -> None:
    values = sorted(np.random.default_rng(size * 100 + p).random(size).tolist())
    expected = float(np.percentile(values, p, method="inverted_cdf"))
    assert nearest_rank(values, p) == expected


def test_a_percentile_is_always_a_measured_value() -> None:
    assert nearest_rank([0.1, 0.2, 0.3, 0.4], 50) == 0.2  # not 0.25 (interpolation)
    assert nearest_rank([0.1, 0.2, 0.3, 0.4], 51) == 0.3
    assert nearest_rank([0.1, 0.2], 95) == 0.2
    assert nearest_rank([], 50) is None


def test_percentiles_in_milliseconds_sort_their_input() -> None:
    assert percentiles_ms([0.3, 0.1, 0.2], (50, 100)) == {"p50": 200.0, "p100": 300.0}
    assert percentiles_ms([0.00012345], (99,)) == {"p99": 0.1}
    assert percentiles_ms([], (50,)) == {"p50": None}
