"""The plugin system: lazy, idempotent, recoverable loading through pluggy hooks."""

from __future__ import annotations

import inspect
import subprocess
import sys
import types
from importlib.metadata import EntryPoint

import numpy as np
import pytest

import hotneuro as hn
from hotneuro import hookspecs, plugins
from hotneuro.hookspecs import hookimpl
from hotneuro.methods import Method
from hotneuro.sources import Source
from hotneuro.testing import check_method, random_network


@pytest.fixture
def fresh(monkeypatch):
    """A fresh registry before and after the test, with hand-built entry points."""
    plugins.reset()
    installed: list[EntryPoint] = []
    monkeypatch.setattr(plugins, "_entry_points", lambda: list(installed))
    monkeypatch.delenv("HOTNEURO_PLUGINS", raising=False)
    monkeypatch.delenv("HOTNEURO_BLOCK_PLUGINS", raising=False)
    yield installed
    plugins.reset()


def _module(name: str, **attrs) -> types.ModuleType:
    module = types.ModuleType(name)
    for key, value in attrs.items():
        setattr(module, key, value)
    sys.modules[name] = module
    return module


def _entry_point(name: str, module: str) -> EntryPoint:
    return EntryPoint(name=name, value=module, group="hotneuro")


def _source_plugin(module_name: str, source_name: str) -> types.ModuleType:
    @hookimpl
    def hotneuro_register_sources(register):
        register(Source(name=source_name, load=lambda path, **kw: random_network(),
                        description=f"test source {source_name}"))

    return _module(module_name, hotneuro_register_sources=hotneuro_register_sources)


def test_builtins_are_registered_through_the_hooks(fresh):
    names = [m["name"] for m in hn.list_methods()]
    assert names[0] == "hot"
    hot = hn.list_methods()[0]
    assert hot["plugin"] == "hotneuro.methods.plugin"
    assert hot["metadata"]["higher_is_similar"] is False
    sources = {s["name"]: s for s in hn.list_sources()}
    assert {"netcdf", "npz", "hdf5"} <= set(sources)
    assert all(s["plugin"] == "hotneuro.sources.plugin" for s in sources.values())
    infos = {p.name: p for p in plugins.plugins()}
    assert infos["hotneuro.methods.plugin"].builtin
    assert infos["hotneuro.methods.plugin"].methods[:4] == ["hot", "hot_r", "pairwise_best",
                                                             "single_best"]


def test_nothing_loads_at_import():
    code = ("import hotneuro, hotneuro.plugins as p, sys; "
            "print(p._registry is None, 'pluggy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out[0] == "True"


def test_loading_is_idempotent(fresh):
    first = plugins.registry()
    assert plugins.registry() is first
    assert plugins.plugin_manager() is first.manager


def test_external_plugin_adds_a_source_and_a_method(fresh):
    _source_plugin("hn_test_ext_source", "toy")

    def compare_toy(source, target, **kwargs):
        return hn.compare(source, target, method="hot", seed=kwargs["seed"])

    @hookimpl
    def hotneuro_register_methods(register):
        register(Method(name="toy-hot", compare=compare_toy, description="HOT again",
                        metadata={"higher_is_similar": False, "symmetric": True,
                                  "metric": False, "invariances": [], "reference": "-"}))

    _module("hn_test_ext_method", hotneuro_register_methods=hotneuro_register_methods)
    fresh += [_entry_point("ext-source", "hn_test_ext_source"),
              _entry_point("ext-method", "hn_test_ext_method")]
    assert "toy" in [s["name"] for s in hn.list_sources()]
    rep = hn.load(__file__, source="toy")
    assert rep.sizes["unit"] == 19
    listed = {m["name"]: m for m in hn.list_methods()}
    assert listed["toy-hot"]["plugin"] == "ext-method"
    a = random_network()
    r = hn.compare(a, a, method="toy-hot")
    assert abs(r.distance) < 1e-12


def test_broken_plugin_warns_by_name_and_the_rest_works(fresh):
    fresh += [_entry_point("broken", "hn_test_no_such_module_xyz"),
              _entry_point("fine", "hn_test_fine")]
    _source_plugin("hn_test_fine", "fine-source")
    with pytest.warns(hn.PluginWarning, match=r"'broken'.*failed to import"):
        names = [s["name"] for s in hn.list_sources()]
    assert "fine-source" in names
    info = {p.name: p for p in plugins.plugins()}
    assert "ModuleNotFoundError" in info["broken"].error
    assert info["fine"].error is None


def test_plugin_failing_in_its_hook_warns_and_is_skipped(fresh):
    @hookimpl
    def hotneuro_register_sources(register):
        raise RuntimeError("cannot find my config")

    _module("hn_test_raises", hotneuro_register_sources=hotneuro_register_sources)
    fresh.append(_entry_point("raises", "hn_test_raises"))
    with pytest.warns(hn.PluginWarning, match="'raises'.*cannot find my config"):
        names = [s["name"] for s in hn.list_sources()]
    assert "npz" in names


def test_registering_a_wrong_type_is_reported(fresh):
    @hookimpl
    def hotneuro_register_sources(register):
        register("not a source")

    _module("hn_test_wrongtype", hotneuro_register_sources=hotneuro_register_sources)
    fresh.append(_entry_point("wrongtype", "hn_test_wrongtype"))
    with pytest.warns(hn.PluginWarning, match="takes a hotneuro Source"):
        hn.list_sources()


def test_duplicate_names_are_an_error_naming_both_plugins(fresh):
    _source_plugin("hn_test_dup", "npz")
    fresh.append(_entry_point("dup", "hn_test_dup"))
    with pytest.raises(hn.PluginError, match=r"'npz'.*'hotneuro.sources.plugin'.*'dup'"):
        hn.list_sources()


def test_unknown_names_list_what_exists(fresh):
    with pytest.raises(hn.UnknownMethodError, match=r"available:.*\bhot\b.*\bpairwise_best\b"):
        hn.compare(random_network(), random_network(), method="cka-typo")
    with pytest.raises(hn.UnknownSourceError, match="npz"):
        hn.load(__file__, source="nope")


def test_allow_and_block_lists(fresh, monkeypatch):
    _source_plugin("hn_test_a", "src-a")
    _source_plugin("hn_test_b", "src-b")
    fresh += [_entry_point("a", "hn_test_a"), _entry_point("b", "hn_test_b")]
    monkeypatch.setenv("HOTNEURO_PLUGINS", "a")
    names = [s["name"] for s in hn.list_sources()]
    assert "src-a" in names and "src-b" not in names and "npz" in names
    plugins.reset()
    monkeypatch.delenv("HOTNEURO_PLUGINS")
    monkeypatch.setenv("HOTNEURO_BLOCK_PLUGINS", "a, b")
    names = [s["name"] for s in hn.list_sources()]
    assert "src-a" not in names and "src-b" not in names
    plugins.reset()
    monkeypatch.setenv("HOTNEURO_BLOCK_PLUGINS", "")
    monkeypatch.setenv("HOTNEURO_PLUGINS", "")
    names = [s["name"] for s in hn.list_sources()]
    assert "src-a" not in names and "src-b" not in names


def test_trace_writes_hook_calls(fresh, monkeypatch, capsys):
    monkeypatch.setenv("HOTNEURO_TRACE_PLUGINS", "1")
    plugins.registry()
    plugins.plugin_manager().hook.hotneuro_register_sources(register=lambda s: None)
    assert "hotneuro_register_sources" in capsys.readouterr().err


def test_load_picks_a_source_by_asking_each(fresh, tmp_path):
    rep = random_network()
    path = hn.save(rep, tmp_path / "rep.h5")
    back = hn.load(path)
    assert back.attrs["source"] == "hdf5"
    np.testing.assert_array_equal(back.values, rep.values)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(hn.UnknownSourceError, match="No data source recognises"):
        hn.load(text)
    with pytest.raises(hn.SourceError, match="No such file"):
        hn.load(tmp_path / "missing.npz")


@pytest.mark.parametrize("name", ["hot", "pairwise_best", "single_best"])
def test_builtin_methods_conform(name):
    check_method(plugins.get_method(name))


def test_every_hook_is_documented():
    specs = [f for n, f in inspect.getmembers(hookspecs, inspect.isfunction)
             if n.startswith("hotneuro_")]
    assert len(specs) >= 2
    for spec in specs:
        doc = inspect.getdoc(spec) or ""
        assert "Parameters" in doc and "register" in doc, spec.__name__
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[1] / "docs" / "plugins.md").read_text()
    for spec in specs:
        assert spec.__name__ in guide, f"{spec.__name__} missing from docs/plugins.md"


def test_a_broken_builtin_family_does_not_hide_the_others(fresh, monkeypatch):
    import hotneuro.methods.plugin as method_plugin

    monkeypatch.setattr(method_plugin, "BUILTIN_METHOD_MODULES",
                        ("hotneuro.methods.no_such_family", "hotneuro.methods.cka"))
    with pytest.warns(hn.PluginWarning, match="no_such_family failed to load"):
        names = [m["name"] for m in hn.list_methods()]
    assert names == ["cka"]
