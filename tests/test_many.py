"""compare_many: every source x target x method, on the serial engine and on Dask."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import hotneuro as hn
from hotneuro import many as many_module
from hotneuro.testing import random_network

distributed = pytest.importorskip("distributed")

VARIABLES = ("distance", "similarity", "score", "score_std")
BENCH_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_many.py"


def net(seed: int, name: str | None = None) -> xr.DataArray:
    return random_network(n_stimuli=40, widths=(6, 8, 5), seed=seed,
                          system=name or f"net{seed}")


@pytest.fixture(scope="module")
def systems():
    return {f"net{k}": net(k) for k in (1, 2, 3)}


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=2,
                                  dashboard_address=None,
                                  scheduler_kwargs={"dashboard_address": ":0"}) as local:
        yield local


@pytest.fixture(scope="module")
def client(cluster):
    with distributed.Client(cluster, set_as_default=False) as c:
        yield c


def flat_layer(rep: xr.DataArray) -> xr.DataArray:
    """The representation with every unit of its first layer constant."""
    out = rep.copy()
    out.values[:, (out["layer"] == "layer1").values] = 1.0
    return out


def assert_same_numbers(a: hn.ManyResult, b: hn.ManyResult) -> None:
    for name in VARIABLES:
        np.testing.assert_array_equal(a.dataset[name].values, b.dataset[name].values,
                                      err_msg=name)
    np.testing.assert_array_equal(a.status.values, b.status.values)


# -- engines -------------------------------------------------------------------------------


def test_dask_equals_serial_and_compare_exactly(systems, client):
    sources = {k: systems[k] for k in ("net1", "net2", "net3")}
    targets = {k: systems[k] for k in ("net1", "net2")}
    options = dict(splits=2, seed=3, cka={"debiased": True})
    serial = hn.compare_many(sources, targets, ["hot", "cka"], engine="serial", **options)
    dask = hn.compare_many(sources, targets, ["hot", "cka"], client=client, **options)
    assert dask.dataset["distance"].dims == ("source_system", "target_system", "measure")
    assert dask.sources == ["net1", "net2", "net3"] and dask.targets == ["net1", "net2"]
    assert dask.methods == ["hot", "cka"]
    assert (dask.status.values == "ok").all() and (dask.error.values == "").all()
    assert_same_numbers(serial, dask)
    # identical systems: distance 0; held-out scores only where the method has them
    assert abs(float(dask.distance.sel(source_system="net2", target_system="net2",
                                       measure="hot"))) < 1e-12
    assert np.isfinite(dask.matrix("score", "hot").values).all()
    assert np.isnan(dask.matrix("score", "cka").values).all()
    # every number is the one hotneuro.compare gives
    direct = hn.compare(sources["net3"], targets["net1"], "hot", splits=2, seed=3)
    cell = dict(source_system="net3", target_system="net1", measure="hot")
    assert float(dask.distance.sel(cell)) == direct.distance
    assert float(dask.score.sel(cell)) == direct.score
    assert float(dask.score_std.sel(cell)) == direct.score_std
    np.testing.assert_array_equal(dask.result("net3", "net1", "hot").coupling.values,
                                  direct.coupling.values)
    cka = dask.result("net1", "net2", "cka")
    assert cka.parameters["debiased"] is True
    assert dask.result("net1", "net2", "cka").matrix.equals(
        serial.result("net1", "net2", "cka").matrix)


def test_default_embedded_cluster_is_closed(systems, monkeypatch):
    started = []

    class Recording(distributed.LocalCluster):
        def __init__(self, **kwargs):
            started.append(kwargs)
            super().__init__(**kwargs)
            started[-1] = (kwargs, self)

    monkeypatch.setattr(distributed, "LocalCluster", Recording)
    many = hn.compare_many(systems, systems)
    kwargs, cluster = started[0]
    assert kwargs["processes"] is False and kwargs["n_workers"] == 1
    assert kwargs["dashboard_address"] is None
    assert "LocalCluster" in many.attrs["engine"] and "threads" in many.attrs["engine"]
    assert cluster.status.name == "closed"
    serial = hn.compare_many(systems, systems, engine="serial")
    assert_same_numbers(serial, many)
    # worker processes: same numbers
    procs = hn.compare_many(systems, {"net1": systems["net1"]},
                            cluster_options={"processes": True, "n_workers": 2})
    kwargs, cluster = started[1]
    assert kwargs["threads_per_worker"] == 1 and "processes" in procs.attrs["engine"]
    assert cluster.status.name == "closed"
    assert_same_numbers(procs, hn.compare_many(systems, {"net1": systems["net1"]},
                                               engine="serial"))


def test_scheduler_address(systems, cluster):
    many = hn.compare_many({"a": systems["net1"]}, {"b": systems["net2"]},
                           scheduler=cluster.scheduler_address)
    assert cluster.scheduler_address in many.attrs["engine"]
    assert float(many.distance.squeeze()) == hn.compare(systems["net1"],
                                                        systems["net2"]).distance


def test_each_representation_scattered_once(systems, client, monkeypatch):
    scattered, submitted = [], []
    scatter, submit = client.scatter, client.submit

    def counting_scatter(data, *args, **kwargs):
        scattered.append(data)
        return scatter(data, *args, **kwargs)

    def recording_submit(function, *args, **kwargs):
        submitted.append(args)
        return submit(function, *args, **kwargs)

    monkeypatch.setattr(client, "scatter", counting_scatter)
    monkeypatch.setattr(client, "submit", recording_submit)
    sources = {"net1": systems["net1"], "net2": systems["net2"]}
    # net2 is also a target (the same object) and net3 only a target: three objects
    targets = {"net2": systems["net2"], "net3": systems["net3"], "again": systems["net3"]}
    many = hn.compare_many(sources, targets, ["hot", "rsa"], client=client)
    assert (many.status.values == "ok").all()
    assert len(scattered) == 3
    assert {id(d) for d in scattered} == {id(systems[k]) for k in ("net1", "net2", "net3")}
    assert len(submitted) == 2 * 3 * 2  # one task per comparison
    for args in submitted:  # representations travel as futures, never inside a task
        assert isinstance(args[0], distributed.Future)
        assert isinstance(args[1], distributed.Future)
        assert not any(isinstance(a, xr.DataArray) for a in args)


# -- failures ------------------------------------------------------------------------------


def test_failing_comparisons_are_reported_and_the_rest_completes(systems, client):
    other = systems["net3"].assign_coords(
        stimulus=[f"x{i:03d}" for i in range(systems["net3"].sizes["stimulus"])])
    sources = {"good": systems["net1"], "flat": flat_layer(systems["net2"])}
    targets = {"t": systems["net3"], "other stimuli": other}
    with pytest.warns(UserWarning, match="3 of 4 comparisons failed"):
        many = hn.compare_many(sources, targets, client=client)
    status = many.matrix("status")
    assert status.sel(source_system="good", target_system="t") == "ok"
    assert np.isfinite(float(many.distance.sel(source_system="good", target_system="t",
                                               measure="hot")))
    errors = many.failures()
    assert set(errors) == {("flat", "t", "hot"), ("flat", "other stimuli", "hot"),
                           ("good", "other stimuli", "hot")}
    assert errors["flat", "t", "hot"].startswith("EmptyGroupError: ")
    assert errors["good", "other stimuli", "hot"].startswith("StimulusMismatchError: ")
    assert np.isnan(many.distance.sel(source_system="flat").values).all()
    assert many.error.sel(source_system="good", target_system="t", measure="hot") == ""
    with pytest.raises(hn.HotneuroError, match="EmptyGroupError"):
        many.result("flat", "t")
    assert "3 failed" in repr(many)
    # the serial engine reports the same
    with pytest.warns(UserWarning):
        serial = hn.compare_many(sources, targets, engine="serial")
    assert serial.failures() == errors


# -- output folder, resume, open -----------------------------------------------------------


def counting_compare(monkeypatch):
    calls = []
    original = many_module.compare

    def wrapper(source, target, method, **kwargs):
        calls.append((source.attrs.get("system"), target.attrs.get("system"), method))
        return original(source, target, method, **kwargs)

    monkeypatch.setattr(many_module, "compare", wrapper)
    return calls


def test_resume_skips_completed_comparisons(systems, tmp_path, monkeypatch):
    out = tmp_path / "study"
    first = {k: systems[k] for k in ("net1", "net2")}
    with pytest.warns(UserWarning, match="1 of 3"):
        done = hn.compare_many({**first, "flat": flat_layer(systems["net3"])},
                               {"net1": systems["net1"]}, engine="serial", out=out,
                               splits=2)
    assert len(list((out / "pairs").glob("*.nc"))) == 3
    stamps = {p: p.stat().st_mtime_ns for p in (out / "pairs").glob("*.nc")}

    calls = counting_compare(monkeypatch)
    sources = {**first, "flat": systems["net3"], "net3": systems["net3"]}
    targets = {"net1": systems["net1"]}
    resumed = hn.compare_many(sources, targets, engine="serial", out=out, resume=True,
                              splits=2)
    # the two that completed are read back; the failed one and the new one run
    assert sorted(c[0] for c in calls) == ["net3", "net3"]
    assert (resumed.status.values == "ok").all()
    for name in ("net1", "net2"):
        assert float(resumed.distance.sel(source_system=name).squeeze()) == float(
            done.distance.sel(source_system=name).squeeze())
        path = many_module._pair_path(out, name, "net1", "hot")
        assert path.stat().st_mtime_ns == stamps[path]
        reread = resumed.result(name, "net1")
        np.testing.assert_array_equal(reread.coupling.values,
                                      done.result(name, "net1").coupling.values)
    # a third run has nothing left to do
    calls.clear()
    again = hn.compare_many(sources, targets, client=None, engine="serial", out=out,
                            resume=True, splits=2)
    assert calls == []
    assert_same_numbers(again, resumed)


def test_resume_refuses_to_mix_studies(systems, tmp_path):
    out = tmp_path / "study"
    pair = ({"a": systems["net1"]}, {"b": systems["net2"]})
    hn.compare_many(*pair, engine="serial", out=out)
    with pytest.raises(hn.ParameterError, match="resume=True"):
        hn.compare_many(*pair, engine="serial", out=out)
    with pytest.raises(hn.ParameterError, match="different source 'a'"):
        hn.compare_many({"a": systems["net3"]}, pair[1], engine="serial", out=out,
                        resume=True)
    with pytest.raises(hn.ParameterError, match="different the options of 'hot'"):
        hn.compare_many(*pair, engine="serial", out=out, resume=True, splits=2)
    # threads do not change the numbers: n_jobs may differ
    hn.compare_many(*pair, engine="serial", out=out, resume=True, n_jobs=2)


def test_open_round_trip(systems, client, tmp_path):
    out = tmp_path / "study"
    sources = {"net1": systems["net1"], "flat": flat_layer(systems["net2"])}
    targets = [systems["net3"], systems["net1"]]  # named "0" and "1"
    with pytest.warns(UserWarning):
        many = hn.compare_many(sources, targets, ["hot", "procrustes"], client=client,
                               out=out, splits=2)
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "pairs",
                                                     "summary.nc"]
    opened = hn.open_many(out)
    assert_same_numbers(opened, many)
    xr.testing.assert_equal(opened.dataset[["status", "error"]],
                            many.dataset[["status", "error"]])
    assert opened.targets == ["0", "1"]
    assert opened.failures() == many.failures()
    again = hn.ManyResult.open(out)
    original = many.result("net1", "0", "hot")
    reread = again.result("net1", "0", "hot")
    assert type(reread) is type(original)
    xr.testing.assert_identical(reread.coupling, original.coupling)
    assert (reread.plan("layer2", "layer3") != original.plan("layer2", "layer3")).nnz == 0
    assert reread.score == original.score
    assert reread.attrs["many_source"] == "net1"
    assert "many_source" not in original.attrs  # the in-memory result is left as it was
    # every successful comparison file is an ordinary result
    path = many_module._pair_path(out, "net1", "1", "procrustes")
    assert hn.open_result(path).distance == many.result("net1", "1", "procrustes").distance
    # an interrupted study opens too: what is missing says so
    (out / "summary.nc").unlink()
    path.unlink()
    partial = hn.open_many(out)
    assert partial.status.sel(source_system="net1", target_system="1",
                              measure="procrustes") == "missing"
    assert int((partial.status.values == "ok").sum()) == 3
    assert "1 not run" in repr(partial)
    with pytest.raises(hn.HotneuroError, match="not run yet"):
        partial.result("net1", "1", "procrustes")
    # saving copies the study to another folder
    copy = partial.save(tmp_path / "copy")
    assert_same_numbers(hn.open_many(copy), partial)


def test_open_errors(tmp_path):
    with pytest.raises(hn.HotneuroError, match="not a compare_many output"):
        hn.open_many(tmp_path)


# -- arguments -----------------------------------------------------------------------------


def test_sequences_and_pairs_name_systems(systems, tmp_path):
    nets = [systems["net1"], systems["net2"]]
    many = hn.compare_many(nets, [("first", nets[0])], engine="serial")
    assert many.sources == ["0", "1"] and many.targets == ["first"]
    assert many.matrix().shape == (2, 1)
    assert many.result("1", "first").distance == hn.compare(nets[1], nets[0]).distance
    assert many.result(1, "first") is many.result("1", "first")
    saved = hn.open_many(many.save(tmp_path / "saved"))
    assert_same_numbers(saved, many)
    assert saved.result("0", "first").distance == many.result("0", "first").distance
    with pytest.raises(hn.ParameterError, match="already holds a study"):
        many.save(tmp_path / "saved")


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    (dict(engine="spark"), hn.ParameterError, "engine must be one of"),
    (dict(sources={}), hn.ParameterError, "sources is empty"),
    (dict(targets=[]), hn.ParameterError, "targets is empty"),
    (dict(sources="net1"), hn.ParameterError, "mapping of name to representation"),
    (dict(methods=[]), hn.ParameterError, "distinct names"),
    (dict(methods=["hot", "hot"]), hn.ParameterError, "distinct names"),
    (dict(methods="hott"), hn.UnknownMethodError, "hott"),
    (dict(engine="serial", client=object()), hn.ParameterError, "do not apply"),
    (dict(scheduler="tcp://x:1", cluster_options={}), hn.ParameterError, "at most one"),
    (dict(resume=True), hn.ParameterError, "give out=folder"),
    (dict(engine="serial", out="study.nc"), hn.ParameterError, "names a folder"),
    (dict(engine="serial", bogus=1), hn.ParameterError, "takes no option"),
    (dict(methods=["hot", "cka"], debiased=True), hn.ParameterError, "under its name"),
    (dict(engine="serial", method="cka"), hn.ParameterError, "methods= names"),
    (dict(engine="serial", client="x"), hn.ParameterError, "do not apply"),
])
def test_bad_arguments(systems, kwargs, error, match):
    args = {"sources": {"a": systems["net1"]}, "targets": {"b": systems["net2"]}}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        hn.compare_many(**args)


def test_duplicate_names_and_non_representations(systems):
    a, b = systems["net1"], systems["net2"]
    with pytest.raises(hn.ParameterError, match=r"duplicate names \['1'\]"):
        hn.compare_many({1: a, "1": b}, [b], engine="serial")
    with pytest.raises(hn.ParameterError, match=r"targets has duplicate names \['x'\]"):
        hn.compare_many([a], [("x", a), ("x", b)], engine="serial")
    with pytest.raises(hn.RepresentationTypeError, match=r"sources\['a'\]"):
        hn.compare_many({"a": a.values}, [b], engine="serial")


def test_bad_client_and_unreachable_scheduler(systems):
    with pytest.raises(hn.ParameterError, match="distributed.Client"):
        hn.compare_many([systems["net1"]], [systems["net2"]], client="tcp://x")
    with pytest.raises(hn.ParameterError, match="address"):
        hn.compare_many([systems["net1"]], [systems["net2"]], scheduler=8786)


def test_missing_distributed_is_a_clear_error(systems, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(hn.MissingDependencyError, match=r"hotneuro\[distributed\]"):
        hn.compare_many([systems["net1"]], [systems["net2"]])
    assert isinstance(hn.MissingDependencyError("x"), ImportError)
    many = hn.compare_many([systems["net1"]], [systems["net2"]], engine="serial")
    assert many.attrs["engine"] == "serial"


def test_worker_processes_that_cannot_start_say_why(systems, monkeypatch):
    class Failing:
        def __init__(self, **kwargs):
            raise RuntimeError("Nanny failed to start.")

    monkeypatch.setattr(distributed, "LocalCluster", Failing)
    with pytest.raises(hn.HotneuroError, match="__main__"):
        hn.compare_many([systems["net1"]], [systems["net2"]],
                        cluster_options={"processes": True})
    # a worker process importing a script without the guard stops at once
    import multiprocessing

    monkeypatch.setattr(multiprocessing.current_process(), "_inheriting", True,
                        raising=False)
    with pytest.raises(hn.HotneuroError, match="imported the main script"):
        hn.compare_many([systems["net1"]], [systems["net2"]], engine="serial")


def test_importing_hotneuro_does_not_import_dask():
    code = ("import sys, hotneuro as hn; hn.compare_many; hn.open_many; "
            "print(any(m.split('.')[0] in ('dask', 'distributed') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_result_and_matrix_errors(systems):
    many = hn.compare_many([systems["net1"]], [systems["net2"]], ["hot", "cka"],
                           engine="serial")
    with pytest.raises(hn.ParameterError, match="several methods"):
        many.result("0", "0")
    with pytest.raises(hn.ParameterError, match="not in this study"):
        many.result("0", "0", "rsa")
    with pytest.raises(hn.ParameterError, match="source '5' is not in this study"):
        many.result(5, "0", "hot")
    with pytest.raises(hn.ParameterError, match="No variable"):
        many.matrix("p", "hot")
    assert many.matrix("similarity", "cka").dims == ("source_system", "target_system")
    assert json.loads(many.attrs["methods"]) == ["hot", "cka"]
    assert "2 ok, 0 failed" in repr(many)


def test_progress_bar(systems, capsys):
    hn.compare_many([systems["net1"]], [systems["net2"], systems["net3"]],
                    engine="serial", progress=True)
    assert "comparisons" in capsys.readouterr().err


def test_benchmark_quick(capsys):
    spec = importlib.util.spec_from_file_location("bench_many", BENCH_PATH)
    bench = importlib.util.module_from_spec(spec)
    sys.modules["bench_many"] = bench  # dataclasses look their module up here
    spec.loader.exec_module(bench)
    assert bench.main(["--quick", "--systems", "2", "--cores", "2"]) == 0
    out = capsys.readouterr().out
    assert "serial, n_jobs=1" in out and "dask processes" in out
    assert "numbers identical on every engine: OK" in out


# -- command line --------------------------------------------------------------------------


def test_command_line(systems, tmp_path, capsys):
    from hotneuro.cli import main

    paths = {k: str(hn.save(systems[k], tmp_path / f"{k}.nc")) for k in ("net1", "net2")}
    flat = str(hn.save(flat_layer(systems["net3"]), tmp_path / "flat.nc"))
    out = tmp_path / "study"
    code = main(["compare-many", "--a", paths["net1"], "--a", f"flat={flat}",
                 "--b", paths["net1"], "--b", f"second={paths['net2']}",
                 "--method", "hot", "--method", "cka", "--splits", "2",
                 "--engine", "serial", "--out", str(out), "--quiet"])
    captured = capsys.readouterr()
    assert code == 1  # a comparison failed; the others completed
    assert "hot: distance | held-out score" in captured.out
    assert "failed: flat vs net1 (hot): EmptyGroupError" in captured.err
    many = hn.open_many(out)
    assert many.sources == ["net1", "flat"] and many.targets == ["net1", "second"]
    assert float(many.distance.sel(source_system="net1", target_system="second",
                                   measure="hot")) == hn.compare(
        systems["net1"], systems["net2"], splits=2).distance
    # all pairs of the sources, on the local cluster
    assert main(["compare-many", "--a", paths["net1"], "--a", paths["net2"],
                 "--quiet"]) == 0
    assert "0.0000" in capsys.readouterr().out
    assert main(["compare-many", "--a", paths["net1"], "--a", paths["net1"],
                 "--engine", "serial"]) == 2
    assert "Two inputs are named 'net1'" in capsys.readouterr().err
