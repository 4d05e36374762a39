"""The controls as methods of their own: pairwise_best (greedy) and single_best (hard HOT)."""

from __future__ import annotations

import numpy as np
import pytest

import hotneuro as hn
from hotneuro.testing import random_network


@pytest.fixture(scope="module")
def systems():
    return (random_network(80, (6, 9, 7, 5), seed=4),
            random_network(80, (8, 6, 7), seed=5, level="region"))


@pytest.mark.parametrize("rule", ["pairwise_best", "single_best"])
def test_control_methods_share_the_fit_and_report_their_own_coupling(systems, rule):
    a, b = systems
    hot = hn.compare(a, b, splits=3, seed=1)
    ctl = hn.compare(a, b, method=rule, splits=3, seed=1)
    L = hot.coupling.sizes["source_layer"]
    c = hot.matrix.values
    np.testing.assert_array_equal(ctl.matrix.values, c)
    expected_cols = (np.argmin(c, axis=1) if rule == "pairwise_best"
                     else np.argmax(hot.coupling.values, axis=1))
    expected = np.zeros_like(c)
    expected[np.arange(L), expected_cols] = 1.0 / L
    np.testing.assert_array_equal(ctl.coupling.values, expected)
    assert ctl.distance == pytest.approx(np.sum(expected * c), abs=1e-12)
    assert ctl.method == rule
    # its score is the control's score of the HOT run, on the same splits
    np.testing.assert_array_equal(ctl.scores.values, hot.scores.values)
    assert ctl.score == pytest.approx(float(hot.scores.sel(strategy=rule).mean()), abs=0)
    assert ctl.plan("layer2", "region3").nnz == hot.plan("layer2", "region3").nnz


def test_greedy_distance_never_exceeds_hot(systems):
    # each row takes its minimum: sum_l min_m c_lm / L <= <c, P> for any plan P
    a, b = systems
    hot = hn.compare(a, b)
    greedy = hn.compare(a, b, method="pairwise_best")
    assert greedy.distance <= hot.distance + 1e-12


def test_control_result_round_trips(tmp_path, systems):
    a, b = systems
    r = hn.compare(a, b, method="single_best", splits=2)
    r.to_netcdf(tmp_path / "r.nc")
    back = hn.open_result(tmp_path / "r.nc")
    assert back.method == "single_best"
    assert back.score == r.score
    np.testing.assert_array_equal(back.coupling.values, r.coupling.values)
