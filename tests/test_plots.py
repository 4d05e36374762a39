"""Figures: coupling heatmaps, depth profiles, method comparisons; PNG, SVG and PDF."""

from __future__ import annotations

import inspect

import matplotlib
import numpy as np
import pytest
import xarray as xr
from matplotlib.container import BarContainer, ErrorbarContainer

import hotneuro as hn
from hotneuro.ceilings import noise_ceiling
from hotneuro.plots import coupling_heatmap, depth_profiles, method_comparison, save_figure
from hotneuro.results import HOTResult
from hotneuro.testing import random_network

matplotlib.use("Agg")

SIGNATURES = {"png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF-"}


@pytest.fixture(scope="module")
def net():
    return random_network(80, (5, 7, 6), seed=1)


@pytest.fixture(scope="module")
def brain():
    return random_network(80, (6, 5, 4, 6), seed=2, level="region", system="brain")


@pytest.fixture(scope="module")
def result(net, brain):
    return hn.compare(net, brain, splits=3, seed=4)


@pytest.fixture(scope="module")
def methods(net, brain):
    return hn.compare(net, brain, method=["hot", "pairwise_best", "linear_predictivity"],
                      splits=3, seed=4)


def bounds(lower, upper):
    return xr.concat([lower, upper], dim=xr.DataArray(["lower", "upper"], dims="bound",
                                                      name="bound"))


def with_ci(result: HOTResult, ci: xr.Dataset) -> HOTResult:
    """The same result carrying the given intervals as ``result.ci``."""

    class WithCI(type(result)):  # type: ignore[misc, valid-type]
        @property
        def ci(self) -> xr.Dataset:
            return ci

    return WithCI(result.dataset)


@pytest.fixture(scope="module")
def fake_ci(result):
    P = result.coupling
    depth = result.barycentric_depth()
    score = result.scores.sel(strategy="hot").mean("split")
    return xr.Dataset(
        {"coupling": bounds(0.5 * P, np.minimum(1.5 * P + 0.01, 1 / P.shape[0])),
         "barycentric_depth": bounds(depth - 0.1, depth + 0.1),
         "score": bounds(score - 0.05, score + 0.07)},
        attrs={"ci_level": 0.9},
    )


def labels(ticks) -> list[str]:
    return [t.get_text() for t in ticks]


# -- files -------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["heatmap", "profiles", "methods"])
@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_every_plot_renders_to_every_format(result, methods, tmp_path, kind, fmt):
    build = {"heatmap": lambda: coupling_heatmap(result),
             "profiles": lambda: depth_profiles(result),
             "methods": lambda: method_comparison(methods, 0.8)}[kind]
    fig = build()
    path = tmp_path / f"{kind}.{fmt}"
    assert save_figure(fig, path) == str(path)
    data = path.read_bytes()
    assert len(data) > 1000
    if fmt == "svg":
        assert data.lstrip().startswith(b"<?xml") and b"<svg" in data[:2000]
    else:
        assert data.startswith(SIGNATURES[fmt])
    if fmt in ("svg", "pdf"):  # no timestamps or random ids: same figure, same bytes
        again = tmp_path / f"again.{fmt}"
        save_figure(build(), again)
        assert again.read_bytes() == data


def test_png_dpi_default_and_override(result, tmp_path):
    from matplotlib.image import imread

    fig = depth_profiles(result)
    save_figure(fig, tmp_path / "a.png")
    save_figure(fig, tmp_path / "b.PNG", dpi=50)
    big, small = imread(tmp_path / "a.png"), imread(tmp_path / "b.PNG")
    assert big.shape[1] == pytest.approx(4 * small.shape[1], abs=4)


@pytest.mark.parametrize("name", ["figure.jpg", "figure", "figure.png.txt"])
def test_save_figure_rejects_unknown_formats(result, tmp_path, name):
    with pytest.raises(hn.ParameterError, match=r"\.png, \.svg, \.pdf"):
        save_figure(coupling_heatmap(result), tmp_path / name)
    assert not (tmp_path / name).exists()


# -- coupling heatmap ---------------------------------------------------------------------
def test_heatmap_marginals_are_row_and_column_sums(result):
    fig = coupling_heatmap(result)
    ax = fig.axes[0]
    assert len(fig.axes) == 2  # heatmap and colorbar; the marginals are inset axes
    assert labels(ax.get_yticklabels()) == result.source_groups
    assert labels(ax.get_xticklabels()) == result.target_groups
    assert "net layers (source)" in ax.get_ylabel()
    assert "brain regions (target)" in ax.get_xlabel()
    marg = {child.get_gid(): child for child in ax.child_axes}
    shown = result.coupling.values * len(result.source_groups)
    rows = [p.get_width() for p in marg["marginal-rows"].patches]
    cols = [p.get_height() for p in marg["marginal-columns"].patches]
    np.testing.assert_allclose(rows, shown.sum(axis=1))
    np.testing.assert_allclose(rows, 1.0)
    np.testing.assert_allclose(cols, shown.sum(axis=0))
    texts = [t.get_text() for t in marg["marginal-rows"].texts]
    assert texts == [" 1.00"] * len(result.source_groups)


def test_heatmap_marginals_of_a_control_show_the_targets_it_uses(net, brain):
    control = hn.compare(net, brain, method="pairwise_best")
    fig = coupling_heatmap(control)
    marg = {child.get_gid(): child for child in fig.axes[0].child_axes}
    cols = np.array([p.get_height() for p in marg["marginal-columns"].patches])
    expected = control.coupling.values.sum(axis=0) * len(control.source_groups)
    np.testing.assert_allclose(cols, expected)
    assert (cols == 0).any()  # some target groups are never chosen


def test_heatmap_without_marginals_and_of_the_matrix(result):
    assert coupling_heatmap(result, marginals=False).axes[0].child_axes == []
    fig = coupling_heatmap(result, variable="matrix")
    assert fig.axes[0].child_axes == []
    np.testing.assert_allclose(np.asarray(fig.axes[0].images[0].get_array()),
                               result.matrix.values)


def test_heatmap_intervals(result, fake_ci):
    boot = with_ci(result, fake_ci)
    fig = coupling_heatmap(boot)
    ax = fig.axes[0]
    outlined = [p for p in ax.patches if p.get_gid() == "ci-excludes-zero"]
    assert len(outlined) == int((fake_ci["coupling"].sel(bound="lower").values > 0).sum())
    assert "outlined: 90% CI excludes 0" in ax.get_title()
    L = len(result.source_groups)
    lo = fake_ci["coupling"].sel(bound="lower").values[0, 0] * L
    hi = fake_ci["coupling"].sel(bound="upper").values[0, 0] * L
    value = result.coupling.values[0, 0] * L
    assert f"{value:.2f}\n[{lo:.2f}, {hi:.2f}]" in [t.get_text() for t in ax.texts]
    matrix_ci = fake_ci.assign(matrix=bounds(result.matrix - 0.1, result.matrix + 0.1))
    matrix = coupling_heatmap(with_ci(result, matrix_ci), variable="matrix").axes[0]
    assert not [p for p in matrix.patches if p.get_gid() == "ci-excludes-zero"]
    c = result.matrix.values[0, 0]
    assert f"{c:.2f}\n[{c - 0.1:.2f}, {c + 0.1:.2f}]" in [t.get_text() for t in matrix.texts]
    plain = coupling_heatmap(boot, intervals=False).axes[0]
    assert not [p for p in plain.patches if p.get_gid() == "ci-excludes-zero"]
    assert all("[" not in t.get_text() for t in plain.texts)


def test_heatmap_errors(result, methods):
    with pytest.raises(hn.ParameterError, match="'coupling' or 'matrix'"):
        coupling_heatmap(result, variable="distance")
    with pytest.raises(hn.ParameterError, match=r"intervals=True needs result.ci"):
        coupling_heatmap(result, intervals=True)
    with pytest.raises(hn.ParameterError, match="group coupling"):
        coupling_heatmap(methods["linear_predictivity"])


def test_heatmap_draws_into_a_given_axes(result):
    from matplotlib.figure import Figure

    fig = Figure()
    ax1, ax2 = fig.subplots(1, 2)
    assert coupling_heatmap(result, ax=ax2) is fig
    assert ax2.images and not ax1.images


# -- depth profiles -----------------------------------------------------------------------
def test_depth_profiles_plot_each_source_groups_row(result):
    fig = depth_profiles(result, intervals="none")
    ax = fig.axes[0]
    L = len(result.source_groups)
    rows = result.coupling.values * L
    profile_lines = [line for line in ax.lines if line.get_marker() == "o"]
    assert len(profile_lines) == L
    for line, row in zip(profile_lines, rows, strict=True):
        np.testing.assert_allclose(line.get_ydata(), row)
        np.testing.assert_allclose(np.sum(line.get_ydata()), 1.0)
    assert labels(ax.get_xticklabels()) == result.target_groups
    assert "brain regions (target)" in ax.get_xlabel()
    assert "L x P" in ax.get_ylabel()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    depth = result.barycentric_depth().values
    assert legend == [f"{g} (depth {d:.2f})" for g, d in
                      zip(result.source_groups, depth, strict=True)]
    assert "source layers" in ax.get_legend().get_title().get_text()
    assert not [c for c in ax.collections if str(c.get_gid()).startswith("band-")]
    # dashed lines mark the barycentric depths, in target-index units
    dashed = [line for line in ax.lines if line.get_linestyle() == "--"]
    M = len(result.target_groups)
    np.testing.assert_allclose([line.get_xdata()[0] for line in dashed], depth * (M - 1))


def band_limits(band) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper edge of a fill_between band, at the integer x positions."""
    verts = band.get_paths()[0].vertices
    xs = np.unique(np.round(verts[:, 0], 9))
    low = np.array([verts[np.isclose(verts[:, 0], x), 1].min() for x in xs])
    high = np.array([verts[np.isclose(verts[:, 0], x), 1].max() for x in xs])
    return low, high


def test_depth_profiles_bands_from_ci(result, fake_ci):
    fig = depth_profiles(with_ci(result, fake_ci))
    ax = fig.axes[0]
    bands = [c for c in ax.collections if str(c.get_gid()).startswith("band-")]
    assert [b.get_gid() for b in bands] == [f"band-{g}" for g in result.source_groups]
    L = len(result.source_groups)
    for l, band in enumerate(bands):
        low, high = band_limits(band)
        np.testing.assert_allclose(low, L * fake_ci["coupling"].sel(bound="lower").values[l],
                                   atol=1e-12)
        np.testing.assert_allclose(high, L * fake_ci["coupling"].sel(bound="upper").values[l],
                                   atol=1e-12)
    assert "bands: 90% CI" in ax.get_title()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    lo = fake_ci["barycentric_depth"].sel(bound="lower").values[0]
    assert legend[0].endswith(f"[{lo:.2f}, {lo + 0.2:.2f}])")
    strips = [p for p in ax.patches if str(p.get_gid()).startswith("depth-ci-")]
    assert len(strips) == L


def test_depth_profiles_bands_from_split_refits(result):
    fig = depth_profiles(result)  # no ci: the range over the split refits
    ax = fig.axes[0]
    bands = [c for c in ax.collections if str(c.get_gid()).startswith("band-")]
    assert len(bands) == len(result.source_groups)
    L = len(result.source_groups)
    split = result.split_coupling.values * L
    low, high = band_limits(bands[0])
    np.testing.assert_allclose(low, split[:, 0].min(axis=0), atol=1e-12)
    np.testing.assert_allclose(high, split[:, 0].max(axis=0), atol=1e-12)
    assert "range over 3 split refits" in ax.get_title()


def test_depth_profiles_errors(result, methods, net, brain):
    with pytest.raises(hn.ParameterError, match="group coupling"):
        depth_profiles(methods["linear_predictivity"])
    with pytest.raises(hn.ParameterError, match="intervals='ci' needs"):
        depth_profiles(result, intervals="ci")
    with pytest.raises(hn.ParameterError, match="intervals='splits' needs"):
        depth_profiles(hn.compare(net, brain), intervals="splits")
    with pytest.raises(hn.ParameterError, match="'auto', 'ci', 'splits' or 'none'"):
        depth_profiles(result, intervals="bootstrap")


@pytest.mark.skipif("bootstrap" not in inspect.signature(hn.compare).parameters,
                    reason="compare() has no bootstrap= here")
def test_plots_use_real_bootstrap_intervals(net, brain):
    boot = hn.compare(net, brain, splits=2, bootstrap=12, seed=1, n_jobs=1)
    assert boot.ci is not None and "coupling" in boot.ci
    ax = depth_profiles(boot).axes[0]
    assert "% CI" in ax.get_title()
    assert len([c for c in ax.collections if str(c.get_gid()).startswith("band-")]) == 3
    heat = coupling_heatmap(boot).axes[0]
    assert "CI excludes 0" in heat.get_title()
    bars = method_comparison({"hot": boot}).axes[0]
    assert "95% CI" in [t.get_text() for t in bars.get_legend().get_texts()]
    low, high = whisker_bounds(bars)
    np.testing.assert_allclose([low[0], high[0]], boot.ci["score"].values)


# -- method comparison --------------------------------------------------------------------
def bar_container(ax) -> BarContainer:
    return next(c for c in ax.containers if isinstance(c, BarContainer))


def whisker_bounds(ax) -> tuple[np.ndarray, np.ndarray]:
    err = next(c for c in ax.containers if isinstance(c, ErrorbarContainer))
    segments = err.lines[2][0].get_segments()
    return np.array([s[:, 1].min() for s in segments]), np.array([s[:, 1].max()
                                                                  for s in segments])


def test_method_comparison_bars_whiskers_and_ceiling(methods):
    fig = method_comparison(methods, 0.8)
    ax = fig.axes[0]
    assert labels(ax.get_xticklabels()) == ["HOT", "Pairwise-Best", "linear predictivity"]
    heights = [p.get_height() for p in bar_container(ax)]
    np.testing.assert_allclose(heights, [r.score for r in methods.values()])
    low, high = whisker_bounds(ax)
    np.testing.assert_allclose(low, [r.score - r.score_std for r in methods.values()])
    np.testing.assert_allclose(high, [r.score + r.score_std for r in methods.values()])
    ceiling_line = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert len(ceiling_line) == 1
    np.testing.assert_allclose(ceiling_line[0].get_ydata(), 0.8)
    texts = [t.get_text() for t in ax.texts]
    hot = methods["hot"].score
    assert f"{hot:.3f}\n({100 * hot / 0.8:.0f}%)" in texts
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "mean ± std over 3 splits" in legend
    assert any(t.startswith("noise ceiling 0.800") for t in legend)
    assert "held-out reconstruction score" in ax.get_ylabel()
    points = [c for c in ax.collections if c.get_label() == "split scores"]
    assert len(points) == 1  # one legend entry, all bars' dots drawn
    assert len(ax.collections) >= len(methods)


def test_method_comparison_with_a_noise_ceiling_dataset(methods, net):
    rng = np.random.default_rng(0)
    noisy = xr.DataArray(net.values[:, :, None] + rng.normal(size=(*net.shape, 4)),
                         dims=("stimulus", "unit", "repetition"), coords=net.coords,
                         attrs=net.attrs)
    ceiling = noise_ceiling(noisy)
    ax = method_comparison(methods, ceiling).axes[0]
    groups = ceiling["group_ceiling"].values
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"layer ceilings {groups.min():.3f}-{groups.max():.3f}" in legend
    band = [p for p in ax.patches if p not in bar_container(ax).patches]
    assert len(band) == 1
    ys = band[0].get_patch_transform().transform(band[0].get_path().vertices)[:, 1]
    np.testing.assert_allclose([ys.min(), ys.max()], [groups.min(), groups.max()])


def test_method_comparison_of_one_results_strategies(result):
    ax = method_comparison(result).axes[0]
    assert labels(ax.get_xticklabels()) == ["HOT", "Pairwise-Best", "Single-Best",
                                            "Random Perm-P"]
    np.testing.assert_allclose([p.get_height() for p in bar_container(ax)],
                               result.score_table().sel(statistic="mean").values)
    assert ax.get_xlabel() == "strategy"


def test_method_comparison_of_a_table(methods):
    table = methods.table()
    ax = method_comparison(table).axes[0]
    np.testing.assert_allclose([p.get_height() for p in bar_container(ax)],
                               table["score"].values)
    low, _ = whisker_bounds(ax)
    np.testing.assert_allclose(low, table["score"].values - table["score_std"].values)


def test_method_comparison_whiskers_from_ci(result, fake_ci):
    ax = method_comparison({"HOT": with_ci(result, fake_ci)}).axes[0]
    low, high = whisker_bounds(ax)
    np.testing.assert_allclose(low, float(fake_ci["score"].sel(bound="lower")))
    np.testing.assert_allclose(high, float(fake_ci["score"].sel(bound="upper")))
    assert "90% CI" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_method_comparison_never_mixes_whisker_kinds(result, fake_ci, methods):
    mixed = {"with": with_ci(result, fake_ci), "without": methods["pairwise_best"]}
    ax = method_comparison(mixed).axes[0]
    assert "mean ± std over 3 splits" in [t.get_text() for t in ax.get_legend().get_texts()]
    low, _ = whisker_bounds(ax)
    np.testing.assert_allclose(low[0], result.score - result.score_std)


def test_method_comparison_names_methods_without_scores(net, brain):
    both = hn.compare(net, brain, method=["hot", "cka"], splits=2)
    ax = method_comparison(both).axes[0]
    assert labels(ax.get_xticklabels()) == ["HOT"]
    assert "no held-out score: cka" in ax.get_xlabel()


def test_method_comparison_errors(net, brain, result):
    with pytest.raises(hn.ParameterError, match=r"no method has held-out scores \(cka, rsa\)"):
        method_comparison(hn.compare(net, brain, method=["cka", "rsa"]))
    with pytest.raises(hn.ParameterError, match="no method has held-out scores"):
        method_comparison({})
    with pytest.raises(hn.ParameterError, match="needs held-out scores"):
        method_comparison(hn.compare(net, brain))
    with pytest.raises(hn.ParameterError, match="ComparisonSet"):
        method_comparison([result])
    with pytest.raises(hn.ParameterError, match="'measure'"):
        method_comparison(xr.Dataset({"x": ("measure", [1.0])}))
    with pytest.raises(hn.ParameterError, match="keyed by name"):
        method_comparison({"hot": 0.5})
    for bad in ("high", float("nan"), True, xr.Dataset({"x": 1.0})):
        with pytest.raises(hn.ParameterError, match="ceiling must be"):
            method_comparison(result, bad)
