"""The ``torch`` source: registration, conformance, auto-detection, HOT on activations."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the torch plugin needs torch: pip install torch")
pytest.importorskip(
    "hotneuro_torch", reason="install the plugin: pip install -e plugins/hotneuro-torch")

import hotneuro as hn  # noqa: E402
import xarray as xr  # noqa: E402
from hn_torch_models import SENTENCES, TinyCNN, TinyEncoder, WordTokenizer, images  # noqa: E402
from hotneuro import plugins  # noqa: E402
from hotneuro.plugins import get_source  # noqa: E402
from hotneuro.representations import groups  # noqa: E402
from hotneuro.sources import Source  # noqa: E402

from hotneuro_torch import extract  # noqa: E402
from hotneuro_torch import plugin as torch_plugin  # noqa: E402
from hotneuro_torch.plugin import can_open_model, load_model  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_registry():
    """Every test sees the installed plugins, whatever an earlier test did to the registry."""
    plugins.reset()
    yield
    plugins.reset()


# --- registration -------------------------------------------------------------------


def test_the_distribution_announces_the_plugin_entry_point():
    found = {ep.name: ep.value for ep in entry_points(group="hotneuro")}
    assert found.get("torch") == "hotneuro_torch.plugin"


def test_the_installed_plugin_registers_the_torch_source():
    sources = {s["name"]: s for s in hn.list_sources()}
    assert sources["torch"]["plugin"] == "torch"
    info = {p.name: p for p in plugins.plugins()}["torch"]
    assert info.distribution == "hotneuro-torch"
    assert info.sources == ["torch"] and info.error is None


def test_the_hook_registers_exactly_one_source():
    registered = []
    torch_plugin.hotneuro_register_sources(register=registered.append)
    assert [s.name for s in registered] == ["torch"]
    assert registered[0].load is load_model
    assert registered[0].can_open is can_open_model


# --- conformance: hotneuro.testing.check_source reads files, so the same rules here ---------


class Prickly:
    """An object whose class lookup raises: can_open must still answer False."""

    @property
    def __class__(self):  # type: ignore[override]
        raise RuntimeError("no class for you")


def test_conforms_to_the_source_contract():
    source = get_source("torch")
    assert isinstance(source, Source) and source.name == "torch" and source.description
    net, x = TinyCNN(), images(n=6)
    assert source.can_open(net) is True
    assert source.can_open(torch.nn.Linear(2, 2)) is True
    for foreign in ["model.pt", b"model", None, 3, x, torch.zeros(3), TinyCNN,
                    hn.testing.random_network(), Prickly()]:
        assert source.can_open(foreign) is False, foreign
    rep = source.load(net, stimuli=x, layers=["conv*", "fc"], progress=False)
    assert isinstance(rep, xr.DataArray)
    xr.testing.assert_identical(hn.validate(rep), rep)
    assert [str(g) for g in groups(rep)] == ["conv1", "conv2", "fc"]
    assert rep.attrs["system"] == "TinyCNN"
    again = source.load(net, stimuli=x, layers=["conv*", "fc"], progress=False)
    xr.testing.assert_identical(rep, again)
    with pytest.raises(hn.SourceError, match=r"records the activations of a torch.nn.Module"):
        source.load("model.pt", stimuli=x, layers="fc")


def test_can_open_does_not_import_torch():
    code = (
        "import sys, hotneuro as hn, hotneuro_torch\n"
        "from hotneuro_torch.plugin import can_open_model\n"
        "print(can_open_model(object()), can_open_model('net.pt'))\n"
        "print([s['name'] for s in hn.list_sources() if s['name'] == 'torch'])\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[:3] == ["False False", "['torch']", "False"]


# --- hotneuro.load ----------------------------------------------------------------------


def test_load_detects_a_module_through_the_entry_point():
    net, x = TinyCNN(), images(n=6)
    rep = hn.load(net, stimuli=x, layers=["conv1", "fc"], progress=False)
    assert rep.attrs["source"] == "torch"
    direct = extract(net, x, ["conv1", "fc"], progress=False)
    xr.testing.assert_identical(rep.drop_attrs(), direct.drop_attrs())
    assert {**direct.attrs, "source": "torch"} == rep.attrs


def test_load_by_name_passes_every_option():
    model, tok = TinyEncoder(), WordTokenizer()
    rep = hn.load(model, source="torch", stimuli=SENTENCES, layers=None, tokenizer=tok,
                  hidden_states=True, max_units=5, unit_sampling="projection", seed=2,
                  stimulus_ids=[f"s{i}" for i in range(len(SENTENCES))], system="tiny",
                  batch_size=3, max_length=6, progress=False)
    assert rep.attrs["system"] == "tiny" and rep.attrs["max_units"] == 5
    assert rep.sizes == {"stimulus": len(SENTENCES), "unit": 15}
    assert rep["stimulus"].values[0] == "s0"


@pytest.mark.parametrize("options,pattern", [
    ({"layers": "fc"}, r"needs stimuli="),
    ({"stimuli": images(n=4)}, r"needs layers="),
    ({"stimuli": images(n=4), "layers": "fc", "layer": "fc"},
     r"Unknown option\(s\) \['layer'\] for the 'torch' source"),
])
def test_load_without_stimuli_or_layers_or_with_unknown_options(options, pattern):
    with pytest.raises(hn.ParameterError, match=pattern):
        hn.load(TinyCNN(), **options)


def test_a_path_is_not_mistaken_for_a_model(tmp_path):
    rep = hn.testing.random_network()
    path = hn.save(rep, tmp_path / "rep.nc")
    assert hn.load(path).attrs["source"] == "netcdf"


def test_activations_survive_hotneuro_save(tmp_path):
    rep = hn.load(TinyCNN(), stimuli=images(n=5), layers=["conv1", "fc"], progress=False)
    back = hn.load(hn.save(rep, tmp_path / "acts.nc"))
    xr.testing.assert_identical(back.drop_attrs(), rep.drop_attrs())
    assert {**back.attrs, "source": "torch"} == rep.attrs


# --- HOT on activations ----------------------------------------------------------------


def test_hot_between_a_net_and_itself_is_zero_with_a_diagonal_coupling():
    x = images(n=40, size=12)
    rep = hn.load(TinyCNN(), stimuli=x, layers=["conv1", "conv2", "fc"], progress=False)
    result = hn.compare(rep, rep)
    assert abs(result.distance) < 1e-9
    np.testing.assert_allclose(result.coupling.values, np.eye(3) / 3, atol=1e-12)
    other = hn.load(TinyCNN(seed=1, channels=(5, 7)), stimuli=x,
                    layers=["conv1", "conv2", "fc"], progress=False)
    assert hn.compare(rep, other).distance > 0.01
