"""Three-level HOT: sequences (checkpoints) > layers > units."""

from __future__ import annotations

import numpy as np
import pytest

import hotneuro as hn


def _trajectory(n_checkpoints, *, seed, noise=0.05, n_stimuli=120, widths=(8, 10, 6),
                shuffle_seed=None):
    """Checkpoints of a leaky-ReLU net whose weights move from W0 to W1 (a 'training run').

    Every checkpoint sees the same stimuli; ``noise`` is added to the activations, and
    with ``shuffle_seed`` each layer's units are permuted (a re-labeled copy).
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_stimuli, widths[0]))
    w0 = [rng.normal(scale=np.sqrt(2 / a), size=(a, b))
          for a, b in zip((widths[0], *widths[:-1]), widths, strict=True)]
    w1 = [rng.normal(scale=np.sqrt(2 / w.shape[0]), size=w.shape) for w in w0]
    noise_rng = np.random.default_rng(seed + 1000)
    perm_rng = np.random.default_rng(shuffle_seed)
    out = {}
    for t in np.linspace(0.0, 1.0, n_checkpoints):
        h, layers = x, {}
        for k, (a, b) in enumerate(zip(w0, w1, strict=True)):
            pre = h @ ((1 - t) * a + t * b)
            h = np.where(pre > 0, pre, 0.1 * pre)
            seen = h + noise * h.std() * noise_rng.normal(size=h.shape)
            if shuffle_seed is not None:
                seen = seen[:, perm_rng.permutation(seen.shape[1])]
            layers[f"layer{k + 1}"] = seen
        out[f"t={t:.2f}"] = hn.representation(layers, [f"s{i}" for i in range(n_stimuli)],
                                              system="trajectory")
    return out


@pytest.fixture(scope="module")
def runs():
    return (_trajectory(5, seed=1, noise=0.02),
            _trajectory(5, seed=1, noise=0.02, shuffle_seed=9))


def test_known_correspondence_is_the_diagonal(runs):
    a, b = runs
    result = hn.compare_sequences(a, b)
    assert result.coupling.dims == ("source_checkpoint", "target_checkpoint")
    np.testing.assert_allclose(result.coupling.values, np.eye(5) / 5, atol=1e-12)
    D = result.matrix.values
    assert (np.diag(D)[:, None] < D + 1e-12).all()  # each checkpoint closest to its twin
    assert result.distance == pytest.approx(np.trace(D) / 5)
    assert result.source_groups == list(a)


def test_pairwise_results_and_layer_couplings(runs):
    a, b = runs
    result = hn.compare_sequences(a, b)
    pair = result.pair("t=0.50", "t=0.50")
    assert isinstance(pair, hn.HOTResult)
    assert pair.distance == result.matrix.sel(source_checkpoint="t=0.50",
                                              target_checkpoint="t=0.50").item()
    lc = result.layer_coupling
    assert lc.dims == ("source_checkpoint", "target_checkpoint", "source_layer",
                       "target_layer")
    np.testing.assert_array_equal(lc.sel(source_checkpoint="t=0.50",
                                         target_checkpoint="t=0.50").values,
                                  pair.coupling.values)


def test_a_run_saved_twice_as_often_spreads_each_checkpoint_over_two(runs):
    a, _ = runs
    labels = list(a)
    doubled = {}
    for label in labels:
        doubled[f"{label}/a"] = a[label]
        doubled[f"{label}/b"] = a[label]
    result = hn.compare_sequences(a, doubled)
    expected = np.zeros((5, 10))
    for k in range(5):
        expected[k, 2 * k] = expected[k, 2 * k + 1] = 0.1
    np.testing.assert_allclose(result.coupling.values, expected, atol=1e-12)


def test_round_trip_and_errors(runs, tmp_path):
    a, b = runs
    result = hn.compare_sequences(list(a.values())[:3], list(b.values())[:2], level="epoch")
    assert result.coupling.dims == ("source_epoch", "target_epoch")
    result.to_netcdf(tmp_path / "ml.nc")
    back = hn.open_result(tmp_path / "ml.nc")
    assert type(back).__name__ == "MultilevelResult"
    np.testing.assert_array_equal(back.coupling.values, result.coupling.values)
    np.testing.assert_array_equal(back.layer_coupling.values, result.layer_coupling.values)
    with pytest.raises(hn.ParameterError, match="netCDF keep only"):
        back.pair("0", "0")
    with pytest.raises(hn.ParameterError, match="empty"):
        hn.compare_sequences([], list(b.values()))
    with pytest.raises(hn.ParameterError, match="'hot' or 'hot_r'"):
        hn.compare_sequences(a, b, method="cka")
