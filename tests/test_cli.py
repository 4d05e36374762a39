"""The command line and the demo's known answer."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import hotneuro as hn
from hotneuro.cli import main
from hotneuro.demo import synthetic_systems


def test_demo_runs_the_study_on_the_bundled_data_and_saves(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--quiet", "--splits", "2", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    for column in ("HOT", "Random Perm-P", "Single-Best", "Pairwise-Best"):
        assert column in text.splitlines()[2]
    for row in ("Lite0 vs Lite1", "MiniLM-L3 vs MiniLM-L6", "Simulated V1/V4/IT vs Lite0",
                "Mouse ADn/CA1, wake halves", "Haxby et al. (2001)"):
        assert row in text
    assert "SIMULATED" in text
    assert f"Wrote 11 files to {out.resolve()}/" in text
    hd = hn.open_result(out / "mouse-adn-ca1-wake-halves.nc")
    assert hd.scores.sizes["split"] == 2
    np.testing.assert_allclose(hd.coupling.values, np.diag([0.5, 0.5]), atol=1e-12)
    haxby = hn.open_result(out / "haxby-odd-vs-even-runs.nc")
    assert haxby.source_groups == ["posterior", "middle", "anterior"]
    assert haxby.score is None
    assert (out / "lite0-vs-lite1-coupling.png").read_bytes()[:4] == b"\x89PNG"
    assert "Lite0 vs Lite1" in (out / "table.txt").read_text()


def test_synthetic_demo_says_what_it_is(tmp_path, capsys):
    assert main(["demo", "--quiet", "--synthetic", "--splits", "2", "--out",
                 str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "Synthetic demo data" in text
    assert "Hierarchy index" in text


def test_demo_known_answer_each_layer_splits_over_its_two_copies():
    systems = synthetic_systems(seed=3)
    result = hn.compare(systems.source, systems.target)
    L = result.coupling.sizes["source_layer"]
    expected = np.zeros((6, 12))
    for k in range(6):
        expected[k, 2 * k] = expected[k, 2 * k + 1] = 0.5
    np.testing.assert_allclose(L * result.coupling.values, expected, atol=1e-12)
    assert result.hierarchy_index() == pytest.approx(1.0)


def test_cli_error_is_one_line_on_stderr(monkeypatch, capsys):
    def broken(**kwargs):
        raise hn.ParameterError("bad value; use a good one")

    monkeypatch.setattr("hotneuro.demo.synthetic_systems", broken)
    assert main(["demo", "--quiet", "--synthetic", "--out", "unused"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "hotneuro: error: bad value; use a good one"


def test_import_is_cheap_and_side_effect_free():
    code = (
        "import sys, hotneuro; "
        "heavy = [m for m in ('xarray', 'ot', 'scipy', 'numpy', 'pandas') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"


def test_readme_test_command_is_what_ci_runs():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text()
    ci = (root / ".ci" / "run").read_text().strip().splitlines()
    command = ci[-1]
    assert command in readme
    assert "pytest" in command


def test_readme_python_examples_run(tmp_path, monkeypatch):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert blocks
    monkeypatch.chdir(tmp_path)  # the examples write their files here
    for block in blocks:
        if "session.nwb" in block:  # needs the user's own recording
            continue
        exec(compile(block, "README.md", "exec"), {})
