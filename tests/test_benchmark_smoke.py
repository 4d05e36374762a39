"""Smoke test of benchmarks/bench_hot.py in --quick mode: it runs and the distances agree."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_hot.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_hot", BENCH_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_hot"] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


def test_quick_main_exits_zero_and_prints_table(bench, capsys):
    assert bench.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "package" in out
    assert "plain loop" in out
    assert "speed ratio plain/package" in out
    assert "OK" in out


def test_quick_distances_agree(bench):
    result = bench.benchmark(**bench.QUICK, repeats=2)
    assert result.abs_diff <= 1e-9
    np.testing.assert_allclose(result.package.distance, result.plain.distance, rtol=0, atol=1e-9)
    # different random networks: a real distance, well inside [0, 2]
    assert 0.05 < result.package.distance < 1.95
    for m in (result.package, result.plain):
        assert len(m.wall_s) == 2
        assert all(w > 0 for w in m.wall_s)
        assert m.peak_mib > 0


def test_plain_loop_identical_systems_is_zero(bench):
    source, _ = bench.make_data(3, 16, 50, seed=1)
    np.testing.assert_allclose(bench.plain_hot(source, source), 0.0, atol=1e-12)


def test_quick_flags_override(bench):
    args = bench.parse_args(["--quick", "--layers", "3"])
    assert (args.layers, args.units, args.stimuli) == (
        3,
        bench.QUICK["units"],
        bench.QUICK["stimuli"],
    )
    args = bench.parse_args([])
    assert (args.layers, args.units, args.stimuli) == (12, 512, 1000)
    assert args.repeats == 1 and args.n_jobs is None
