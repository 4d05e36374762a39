"""Studies (many comparisons, the paper's table) and coupling heatmaps."""

from __future__ import annotations

import numpy as np
import pytest

import hotneuro as hn
from hotneuro.plots import coupling_heatmap
from hotneuro.testing import random_network


@pytest.fixture(scope="module")
def study():
    a = random_network(60, (5, 7, 6), seed=1)
    b = random_network(60, (6, 5), seed=2, level="region", system="brain")
    return hn.study.run({"net vs brain": (a, b), "net vs itself": (a, a)}, splits=3, seed=4)


def test_table_is_each_results_score_table(study):
    table = study.table()
    assert table.dims == ("pair", "strategy", "statistic")
    assert list(table["pair"].values) == ["net vs brain", "net vs itself"]
    for name, result in study.results.items():
        np.testing.assert_array_equal(table.sel(pair=name).values,
                                      result.score_table().values)
    itself = table.sel(pair="net vs itself", strategy="hot", statistic="mean")
    assert float(itself) == pytest.approx(1.0)


def test_formatted_table_has_the_papers_columns(study):
    text = study.format_table()
    header = text.splitlines()[0]
    for column in ("HOT", "Random Perm-P", "Single-Best", "Pairwise-Best"):
        assert column in header
    assert "3 seeded 80/20 splits" in text
    hot = study.results["net vs brain"].score_table().sel(strategy="hot")
    assert f"{float(hot.sel(statistic='mean')):.3f} ± {float(hot.sel(statistic='std')):.3f}" \
        in text


def test_save_writes_results_figures_and_table(study, tmp_path):
    written = study.save(tmp_path)
    names = sorted(p.name for p in written)
    assert names == ["net-vs-brain-coupling.png", "net-vs-brain.nc",
                     "net-vs-itself-coupling.png", "net-vs-itself.nc", "table.txt"]
    back = hn.open_result(tmp_path / "net-vs-brain.nc")
    np.testing.assert_array_equal(back.coupling.values,
                                  study.results["net vs brain"].coupling.values)
    assert (tmp_path / "net-vs-brain-coupling.png").read_bytes()[:4] == b"\x89PNG"


def test_unscored_study_has_no_table():
    a = random_network(seed=3)
    with pytest.raises(hn.ParameterError, match="splits"):
        hn.study.run({"x": (a, a)}).table()


@pytest.mark.parametrize("variable", ["coupling", "matrix"])
def test_heatmap_axes_are_labeled_with_groups_and_dims(study, variable):
    result = study.results["net vs brain"]
    fig = coupling_heatmap(result, variable=variable)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == result.source_groups
    assert [t.get_text() for t in ax.get_xticklabels()] == result.target_groups
    assert "layers (source)" in ax.get_ylabel()
    assert "brain regions (target)" in ax.get_xlabel()
    image = ax.images[0].get_array()
    L = len(result.source_groups)
    expected = result.coupling.values * L if variable == "coupling" else result.matrix.values
    np.testing.assert_allclose(np.asarray(image), expected)
    assert len(fig.axes) == 2  # the colorbar
