"""Held-out scores of the pairwise measures, on the same splits as HOT."""

from __future__ import annotations

import numpy as np
import pytest

import hotneuro as hn
from hotneuro.testing import random_network


@pytest.fixture(scope="module")
def planted():
    """A source whose groups are noisy linear images of the target's groups."""
    rng = np.random.default_rng(0)
    y1, y2 = rng.normal(size=(100, 6)), rng.normal(size=(100, 5))
    target = hn.representation({"t1": y1, "t2": y2}, level="region")
    source = hn.representation({
        "s1": y2 @ rng.normal(size=(5, 4)) + 0.05 * rng.normal(size=(100, 4)),
        "s2": y1 @ rng.normal(size=(6, 7)) + 0.05 * rng.normal(size=(100, 7)),
    })
    return source, target


def test_predictivity_scores_on_hots_splits(planted):
    source, target = planted
    results = hn.compare(source, target, method=["hot", "linear_predictivity"], splits=3,
                         seed=2)
    hot, ridge = results["hot"], results["linear_predictivity"]
    np.testing.assert_array_equal(ridge.dataset["eval_mask"].values,
                                  hot.dataset["eval_mask"].values)
    assert ridge.group_scores.dims == ("strategy", "split", "source_layer")
    assert list(ridge.scores["strategy"].values) == ["linear_predictivity"]
    # each source group is rebuilt from the target group it was made from, almost exactly
    assert ridge.group_scores.values.min() > 0.98
    assert ridge.score == pytest.approx(float(ridge.scores.mean()))
    table = results.table()
    assert float(table["score"].sel(measure="linear_predictivity")) == pytest.approx(
        ridge.score)


def test_explicit_split_and_round_trip(planted, tmp_path):
    source, target = planted
    ids = source["stimulus"].values
    result = hn.compare(source, target, method="linear_predictivity",
                        fit_stimuli=ids[:80], eval_stimuli=ids[80:])
    assert result.scores.sizes["split"] == 1
    assert result.dataset["eval_mask"].values[0, 80:].all()
    result.to_netcdf(tmp_path / "r.nc")
    back = hn.open_result(tmp_path / "r.nc")
    assert back.score == result.score


def test_measures_without_held_out_scores_report_none():
    a, b = random_network(seed=1), random_network(seed=2)
    for name in ("cka", "rsa", "procrustes", "soft_matching"):
        result = hn.compare(a, b, method=name, splits=2)
        assert result.score is None and result.scores is None, name


def test_too_few_stimuli_for_folds_inside_a_split_is_refused():
    a = random_network(n_stimuli=12, seed=1)
    with pytest.raises(hn.ParameterError, match="fold"):
        hn.compare(a, a, method="linear_predictivity", splits=2, eval_fraction=0.67, folds=3)
