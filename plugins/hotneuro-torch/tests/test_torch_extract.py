"""hotneuro_torch.extract: known answers, layer choice, reductions, streaming, model state."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the torch plugin needs torch: pip install torch")
pytest.importorskip(
    "hotneuro_torch", reason="install the plugin: pip install -e plugins/hotneuro-torch")

import hotneuro as hn  # noqa: E402
import xarray as xr  # noqa: E402
from hn_torch_models import (  # noqa: E402
    SENTENCES,
    Blocks,
    TinyCNN,
    TinyEncoder,
    WordTokenizer,
    hooks_left,
    images,
)

import hotneuro_torch  # noqa: E402
from hotneuro_torch import _reduce, extract  # noqa: E402
from hotneuro_torch._reduce import UnitBudget  # noqa: E402


def run(model, stimuli, layers, **options):
    return extract(model, stimuli, layers, progress=False, **options)


def as_input(x: np.ndarray) -> torch.Tensor:
    """What extract feeds the model for uint8 channels-last images."""
    return torch.from_numpy(x).permute(0, 3, 1, 2).float() / 255.0


# --- known answers ------------------------------------------------------------------


def test_global_average_pooling_equals_a_manual_forward_pass():
    net, x = TinyCNN(), images()
    rep = run(net, x, ["conv1", "conv2", "fc"])
    with torch.no_grad():
        c1 = net.conv1(as_input(x))
        c2 = net.conv2(net.relu1(c1))
        fc = net(as_input(x))
    np.testing.assert_allclose(rep.sel(unit=rep.layer == "conv1").values,
                               c1.mean((2, 3)).numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(rep.sel(unit=rep.layer == "conv2").values,
                               c2.mean((2, 3)).numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(rep.sel(unit=rep.layer == "fc").values, fc.numpy(),
                               rtol=1e-6, atol=1e-7)
    assert rep.attrs["reduction"] == ["mean", "mean", "flatten"]


def test_the_representation_follows_the_data_contract():
    net, x = TinyCNN(), images(n=7)
    rep = run(net, x, "conv*", stimulus_ids=[f"img{i}" for i in range(7)], system="tiny")
    xr.testing.assert_identical(hn.validate(rep), rep)
    assert rep.dims == ("stimulus", "unit") and rep.dtype == np.float32
    assert rep["stimulus"].values.tolist() == [f"img{i}" for i in range(7)]
    assert rep["unit"].values.tolist() == [f"conv1/{i}" for i in range(4)] + [
        f"conv2/{i}" for i in range(6)]
    assert [str(g) for g in hn.representations.groups(rep)] == ["conv1", "conv2"]
    assert rep.attrs == {
        "system": "tiny", "model": f"{TinyCNN.__module__}.TinyCNN",
        "layers": ["conv1", "conv2"], "reduction": ["mean", "mean"],
        "unit_sampling": "none", "seed": 0, "capture": "forward hooks", "n_stimuli": 7,
        "torch_version": torch.__version__,
        "hotneuro_torch_version": hotneuro_torch.__version__}


def test_default_system_and_stimulus_ids():
    rep = run(TinyCNN(), images(n=4), "fc")
    assert rep.attrs["system"] == "TinyCNN"
    assert rep["stimulus"].values.tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize("ids,expected", [
    (np.array(["a", "b", "c"]), ["a", "b", "c"]),
    (np.arange(10, 13), [10, 11, 12]),
    (range(3), [0, 1, 2]),
    (("x", "y", "z"), ["x", "y", "z"]),
])
def test_stimulus_ids_from_arrays_ranges_and_tuples(ids, expected):
    rep = run(TinyCNN(), images(n=3), "fc", stimulus_ids=ids)
    assert rep["stimulus"].values.tolist() == expected


def test_flatten_keeps_every_value_in_c_order():
    net, x = TinyCNN(), images(n=5)
    rep = run(net, x, "conv2", reduce="flatten")
    with torch.no_grad():
        c2 = net.conv2(net.relu1(net.conv1(as_input(x))))
    np.testing.assert_allclose(rep.values, c2.reshape(5, -1).numpy(), rtol=1e-6, atol=1e-7)
    assert rep.sizes["unit"] == 6 * 4 * 4


def test_channels_last_first_uint8_float_and_tensors_give_the_same_activations():
    net, x = TinyCNN(), images(n=6)
    ref = run(net, x, ["conv1", "fc"])
    scaled = x.astype(np.float64) / 255.0
    for same in (scaled, scaled.transpose(0, 3, 1, 2), torch.from_numpy(x),
                 as_input(x), list(x)):
        np.testing.assert_allclose(run(net, same, ["conv1", "fc"]).values, ref.values,
                                   rtol=1e-6, atol=1e-7)


def test_preprocess_gets_each_raw_batch():
    net, x = TinyCNN(), images(n=10)
    seen = []

    def preprocess(batch):
        seen.append((type(batch), batch.shape, batch.dtype))
        return torch.from_numpy(batch).permute(0, 3, 1, 2).float() / 127.0 - 1.0

    rep = run(net, x, "fc", preprocess=preprocess, batch_size=4)
    assert seen == [(np.ndarray, (4, 9, 9, 3), np.uint8)] * 2 + [
        (np.ndarray, (2, 9, 9, 3), np.uint8)]
    with torch.no_grad():
        expected = net(torch.from_numpy(x).permute(0, 3, 1, 2).float() / 127.0 - 1.0)
    np.testing.assert_allclose(rep.values, expected.numpy(), rtol=1e-6, atol=1e-7)


def test_preprocess_takes_a_list_of_anything():
    net = Blocks()
    table = {f"item{i}": np.random.default_rng(i).normal(size=10) for i in range(5)}
    rep = run(net, list(table), "out",
              preprocess=lambda keys: torch.tensor(np.stack([table[k] for k in keys])).float(),
              stimulus_ids=list(table))
    net.eval()
    with torch.no_grad():
        expected = net(torch.tensor(np.stack(list(table.values()))).float())
    np.testing.assert_allclose(rep.values, expected.numpy(), rtol=1e-6, atol=1e-7)


# --- choosing layers ------------------------------------------------------------------


def test_star_matches_one_name_part_and_layers_come_in_network_order():
    net = Blocks(depth=3)
    rep = run(net, np.random.default_rng(0).normal(size=(6, 10)), ["out", "blocks.*", "inp"])
    assert rep.attrs["layers"] == ["inp", "blocks.0", "blocks.1", "blocks.2", "out"]
    deeper = run(net, np.random.default_rng(0).normal(size=(6, 10)), "blocks.*.0")
    assert deeper.attrs["layers"] == ["blocks.0.0", "blocks.1.0", "blocks.2.0"]
    # overlapping patterns record a module once
    twice = run(net, np.random.default_rng(0).normal(size=(6, 10)), ["blocks.1", "blocks.?"])
    assert twice.attrs["layers"] == ["blocks.0", "blocks.1", "blocks.2"]


def test_patterns_are_fnmatch_per_part():
    from hotneuro_torch._layers import matches

    assert matches("_blocks.*", "_blocks.15")
    assert not matches("_blocks.*", "_blocks.0._depthwise_conv")
    assert not matches("_blocks.*", "_blocks")
    assert matches("*.*", "_blocks.0") and not matches("*", "_blocks.0")
    assert matches("layer[12]", "layer2") and not matches("layer[12]", "layer3")
    assert matches("conv?", "conv1") and not matches("Conv1", "conv1")


# --- hooks and model state --------------------------------------------------------------


class Exploding(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = torch.nn.Linear(4, 4)
        self.b = torch.nn.Linear(4, 4)
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        h = self.a(x)
        if self.calls == 2:
            raise RuntimeError("boom in the second batch")
        return self.b(h)


def test_hooks_are_removed_after_success():
    net = TinyCNN()
    assert hooks_left(net) == 0
    run(net, images(n=4), ["conv1", "conv2", "fc"])
    assert hooks_left(net) == 0


def test_hooks_are_removed_and_modes_restored_when_the_model_raises():
    net = Exploding()
    net.train()
    net.b.eval()
    with pytest.raises(hn.SourceError, match=r"RuntimeError on a batch of 2 stimuli.*boom") \
            as info:
        run(net, np.ones((4, 4), dtype=np.float32), ["a", "b"], batch_size=2)
    assert isinstance(info.value.__cause__, RuntimeError)
    assert net.calls == 2
    assert hooks_left(net) == 0
    assert net.training and net.a.training and not net.b.training


def test_hooks_are_removed_when_a_hook_raises():
    net = Blocks()
    relu = torch.nn.ReLU()
    net.blocks[0][1] = relu
    net.blocks[1][1] = relu  # one module applied twice per forward pass
    with pytest.raises(hn.SourceError, match=r"'blocks.0.1' ran more than once"):
        run(net, np.zeros((5, 10)), "blocks.*.1")
    assert hooks_left(net) == 0


def test_eval_mode_and_no_grad_during_the_run_and_training_flags_restored():
    net = Blocks()
    net.train()
    net.blocks[1].eval()  # mixed flags must come back exactly
    before = {name: m.training for name, m in net.named_modules()}
    seen = []
    net.inp.register_forward_hook(
        lambda m, a, o: seen.append((m.training, torch.is_grad_enabled())))
    x = np.random.default_rng(1).normal(size=(8, 10))
    rep = run(net, x, "out")
    assert seen == [(False, False)]
    assert {name: m.training for name, m in net.named_modules()} == before
    # dropout was off: the activations are those of the model in eval mode
    net.eval()
    with torch.no_grad():
        expected = net(torch.tensor(x, dtype=torch.float32))
    np.testing.assert_allclose(rep.values, expected.numpy(), rtol=1e-6, atol=1e-7)
    assert all(p.grad is None for p in net.parameters())


# --- streaming -----------------------------------------------------------------------


def test_batch_size_does_not_change_the_activations():
    net, x = TinyCNN(), images(n=33)
    layers = ["conv1", "conv2", "fc"]
    options = {"reduce": {"conv1": "flatten"}, "max_units": 50}
    one = run(net, x, layers, batch_size=1, **options)
    many = run(net, x, layers, batch_size=32, **options)
    whole = run(net, x, layers, batch_size=100, **options)
    # torch's CPU kernels (oneDNN convolutions, BLAS products) pick their algorithm by
    # batch shape, so values agree to float32 rounding, not bit for bit
    np.testing.assert_allclose(one.values, many.values, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(one.values, whole.values, rtol=1e-6, atol=1e-6)
    # the same units, ids and coordinates whatever the batch size
    xr.testing.assert_identical(one.copy(data=many.values), many)
    assert one.attrs == many.attrs


def test_projection_batches_agree_to_float_rounding():
    net, x = TinyCNN(), images(n=10)
    one = run(net, x, "conv2", reduce="flatten", max_units=7, unit_sampling="projection",
              batch_size=1)
    many = run(net, x, "conv2", reduce="flatten", max_units=7, unit_sampling="projection",
               batch_size=10)
    np.testing.assert_allclose(one.values, many.values, rtol=1e-5, atol=1e-6)


def test_batches_are_reduced_as_soon_as_the_layer_runs(monkeypatch):
    """The hook reduces each batch at once: what is kept per batch is (batch x units)."""
    kept = []
    original = _reduce.reduce_output

    def spy(x, how, mask, layer):
        out = original(x, how, mask, layer)
        kept.append((tuple(x.shape), tuple(out.shape)))
        return out

    monkeypatch.setattr("hotneuro_torch.extraction.reduce_output", spy)
    run(TinyCNN(), images(n=10, size=16), "conv1", batch_size=4)
    assert kept == [((4, 4, 16, 16), (4, 4)), ((4, 4, 16, 16), (4, 4)),
                    ((2, 4, 16, 16), (2, 4))]


# --- unit budget: subsample and projection ----------------------------------------------


def test_subsample_is_seeded_by_seed_and_layer_and_keeps_original_indices():
    net, x = TinyCNN(), images(n=6)
    full = run(net, x, ["conv1", "conv2"], reduce="flatten")
    sub = run(net, x, ["conv1", "conv2"], reduce="flatten", max_units=20, seed=3)
    again = run(net, x, ["conv1", "conv2"], reduce="flatten", max_units=20, seed=3)
    other = run(net, x, ["conv1", "conv2"], reduce="flatten", max_units=20, seed=4)
    xr.testing.assert_identical(sub, again)
    assert sub.sizes["unit"] == 40 and sub.attrs["unit_sampling"] == "subsample"
    assert sub.attrs["max_units"] == 20
    assert not np.array_equal(sub["unit"].values, other["unit"].values)
    # the kept units are columns of the full layer, in their original order
    np.testing.assert_array_equal(sub.values, full.sel(unit=sub["unit"].values).values)
    index = [int(u.split("/")[1]) for u in sub.sel(unit=sub.layer == "conv1")["unit"].values]
    assert index == sorted(index) and len(set(index)) == 20
    expected = np.sort(np.random.default_rng(
        [3, __import__("zlib").crc32(b"conv1")]).choice(4 * 9 * 9, 20, replace=False))
    assert index == expected.tolist()
    # a layer's draw does not depend on the other layers recorded
    alone = run(net, x, "conv2", reduce="flatten", max_units=20, seed=3)
    xr.testing.assert_equal(alone, sub.sel(unit=sub.layer == "conv2"))


def test_small_layers_keep_all_their_units():
    rep = run(TinyCNN(), images(n=5), ["conv1", "fc"], max_units=5)
    assert rep["unit"].values.tolist() == [f"conv1/{i}" for i in range(4)] + [
        f"fc/{i}" for i in range(5)]


def test_projection_is_a_seeded_gaussian_matrix_scaled_by_one_over_sqrt_k():
    net, x = TinyCNN(), images(n=6)
    full = run(net, x, "conv2", reduce="flatten")
    proj = run(net, x, "conv2", reduce="flatten", max_units=8, unit_sampling="projection",
               seed=5)
    budget = UnitBudget("conv2", 96, 8, "projection", 5)
    r = budget.matrix().numpy()
    assert r.shape == (96, 8)
    np.testing.assert_allclose(proj.values, full.values @ r, rtol=1e-5, atol=1e-6)
    assert proj["unit"].values.tolist() == [f"conv2/p{j}" for j in range(8)]
    assert abs(r.std() * np.sqrt(8) - 1) < 0.1  # entries N(0, 1/k)
    again = run(net, x, "conv2", reduce="flatten", max_units=8, unit_sampling="projection",
                seed=5)
    other = run(net, x, "conv2", reduce="flatten", max_units=8, unit_sampling="projection",
                seed=6)
    xr.testing.assert_identical(proj, again)
    assert not np.allclose(proj.values, other.values)


def test_projection_drawn_block_by_block_equals_the_cached_matrix(monkeypatch):
    net, x = TinyCNN(), images(n=6, size=40)  # conv2: 6 x 19 x 19 = 2166 units
    cached = run(net, x, "conv2", reduce="flatten", max_units=30, unit_sampling="projection")
    monkeypatch.setattr(_reduce, "PROJECTION_BLOCK", 500)
    monkeypatch.setattr(_reduce, "PROJECTION_CACHE_BYTES", 0)
    blocks = run(net, x, "conv2", reduce="flatten", max_units=30, unit_sampling="projection")
    # the matrix depends on the block size, not on caching: compare with the same blocks
    monkeypatch.setattr(_reduce, "PROJECTION_CACHE_BYTES", 2**30)
    cached_500 = run(net, x, "conv2", reduce="flatten", max_units=30,
                     unit_sampling="projection")
    np.testing.assert_allclose(blocks.values, cached_500.values, rtol=1e-5, atol=1e-5)
    assert cached.sizes == blocks.sizes


# --- text: token means, masks and hidden states ------------------------------------------


def manual_token_means(model, tok, texts, layer_index):
    """Each sentence alone, no padding: the plain mean over its tokens."""
    rows = []
    with torch.no_grad():
        for text in texts:
            ids = torch.tensor([tok.ids(text)])
            states = model(ids, output_hidden_states=True)["hidden_states"]
            rows.append(states[layer_index][0].mean(0).numpy())
    return np.stack(rows)


def test_token_mean_weighted_by_the_attention_mask_equals_a_manual_mean():
    model, tok = TinyEncoder(), WordTokenizer()
    rep = run(model, SENTENCES, ["embed", "blocks.*"], tokenizer=tok, batch_size=3)
    assert rep.attrs["reduction"] == ["tokens", "tokens", "tokens"]
    for k, layer in enumerate(["embed", "blocks.0", "blocks.1"]):
        np.testing.assert_allclose(rep.sel(unit=rep.layer == layer).values,
                                   manual_token_means(model, tok, SENTENCES, k),
                                   rtol=1e-5, atol=1e-6)


def test_hidden_states_path_names_and_values():
    model, tok = TinyEncoder(depth=2), WordTokenizer()
    rep = run(model, SENTENCES, None, tokenizer=tok, hidden_states=True)
    assert rep.attrs["layers"] == ["hidden_states.0", "hidden_states.1", "hidden_states.2"]
    assert rep.attrs["capture"] == "hidden_states"
    hooks = run(model, SENTENCES, ["embed", "blocks.*"], tokenizer=tok)
    np.testing.assert_array_equal(rep.values, hooks.values)
    some = run(model, SENTENCES, ["hidden_states.2", "hidden_states.0"], tokenizer=tok,
               hidden_states=True)
    assert some.attrs["layers"] == ["hidden_states.0", "hidden_states.2"]
    np.testing.assert_array_equal(
        some.values, rep.sel(unit=rep.layer != "hidden_states.1").values)
    assert hooks_left(model) == 0


def test_text_batches_and_max_length():
    model, tok = TinyEncoder(), WordTokenizer()
    one = run(model, SENTENCES, "blocks.1", tokenizer=tok, batch_size=1)
    many = run(model, SENTENCES, "blocks.1", tokenizer=tok, batch_size=8)
    np.testing.assert_allclose(one.values, many.values, rtol=1e-5, atol=1e-6)
    short = run(model, SENTENCES, "embed", tokenizer=tok, max_length=2)
    assert tok.calls[-1]["max_length"] == 2
    with torch.no_grad():
        expected = np.stack([model.embed(torch.tensor(tok.ids(s)[:2])).mean(0).numpy()
                             for s in SENTENCES])
    np.testing.assert_allclose(short.values, expected, rtol=1e-5, atol=1e-6)


def test_pretokenized_mapping_inputs_use_their_attention_mask():
    model, tok = TinyEncoder(), WordTokenizer()
    encoded = tok(SENTENCES)
    from_mapping = run(model, {k: v.numpy() for k, v in encoded.items()}, "blocks.*")
    from_text = run(model, SENTENCES, "blocks.*", tokenizer=tok)
    np.testing.assert_allclose(from_mapping.values, from_text.values, rtol=1e-5, atol=1e-6)


def test_tokens_without_a_mask_average_every_token_and_flatten_is_the_fallback():
    x = np.random.default_rng(0).normal(size=(5, 7, 3)).astype(np.float32)
    ident = torch.nn.Sequential(torch.nn.Identity())
    np.testing.assert_allclose(run(ident, x, "0", reduce="tokens").values, x.mean(1),
                               rtol=1e-6)
    auto = run(ident, x, "0")  # 3-D without a mask: flatten
    assert auto.attrs["reduction"] == ["flatten"]
    np.testing.assert_array_equal(auto.values, x.reshape(5, -1))


def test_reduce_per_layer_and_mean_of_2d_outputs():
    net, x = TinyCNN(), images(n=5)
    rep = run(net, x, ["conv1", "conv2", "fc"], reduce={"conv2": "flatten", "c*1": "mean"})
    assert rep.attrs["reduction"] == ["mean", "flatten", "flatten"]
    means = run(net, x, "fc", reduce="mean")  # 2-D: kept as it is
    np.testing.assert_array_equal(means.values, rep.sel(unit=rep.layer == "fc").values)


def test_tuple_and_dict_outputs_give_their_first_tensor():
    model, tok = TinyEncoder(), WordTokenizer()
    blocks = run(model, SENTENCES, "blocks.0", tokenizer=tok)  # block returns (h, "attn")
    assert blocks.sizes["unit"] == 8

    class Wrapper(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, input_ids, attention_mask):
            return self.inner(input_ids, attention_mask)

    wrapped = run(Wrapper(), SENTENCES, "inner", tokenizer=tok)  # dict: last_hidden_state
    last = run(model, SENTENCES, "blocks.1", tokenizer=tok)
    np.testing.assert_array_equal(wrapped.values, last.values)


def test_device_none_runs_where_the_model_is_and_cpu_is_accepted():
    net, x = TinyCNN(), images(n=4)
    a = run(net, x, "fc", device=None)
    b = run(net, x, "fc", device="cpu")
    b2 = run(net, x, "fc", device=torch.device("cpu"))
    np.testing.assert_array_equal(a.values, b.values)
    np.testing.assert_array_equal(a.values, b2.values)
    assert next(net.parameters()).device.type == "cpu"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu_and_the_model_goes_back():
    net, x = TinyCNN(), images(n=20)
    cpu = run(net, x, ["conv1", "conv2", "fc"], max_units=3, unit_sampling="projection")
    gpu = run(net, x, ["conv1", "conv2", "fc"], max_units=3, unit_sampling="projection",
              device="cuda")
    np.testing.assert_allclose(gpu.values, cpu.values, rtol=1e-3, atol=1e-4)
    assert next(net.parameters()).device.type == "cpu"
    on_gpu = net.to("cuda")
    here = run(on_gpu, x, ["conv1"], device=None)
    np.testing.assert_allclose(here.values, cpu.sel(unit=cpu.layer == "conv1").values,
                               rtol=1e-3, atol=1e-4)
    assert next(net.parameters()).device.type == "cuda"


def test_optional_transformers_bert_hooks_equal_hidden_states():
    transformers = pytest.importorskip("transformers", reason="optional: transformers")
    config = transformers.BertConfig(vocab_size=64, hidden_size=16, num_hidden_layers=2,
                                     num_attention_heads=2, intermediate_size=32)
    torch.manual_seed(0)
    bert = transformers.BertModel(config, add_pooling_layer=False)
    tok = WordTokenizer()
    states = run(bert, SENTENCES, "hidden_states.*", tokenizer=tok, hidden_states=True)
    hooks = run(bert, SENTENCES, ["embeddings", "encoder.layer.*"], tokenizer=tok)
    assert hooks.attrs["layers"] == ["embeddings", "encoder.layer.0", "encoder.layer.1"]
    assert hooks.attrs["reduction"] == ["tokens"] * 3
    np.testing.assert_allclose(hooks.values, states.values, rtol=1e-5, atol=1e-5)
    one = run(bert, SENTENCES, "encoder.layer.1", tokenizer=tok, batch_size=1)
    np.testing.assert_allclose(one.values, hooks.sel(unit=hooks.layer == "encoder.layer.1"
                                                     ).values, rtol=1e-4, atol=1e-4)
