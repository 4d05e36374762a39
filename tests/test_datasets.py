"""The bundled real datasets: catalog, checksums, views, and the comparisons they support."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import hotneuro as hn


def test_catalog_lists_every_dataset_with_provenance():
    entries = {d["name"]: d for d in hn.datasets.list()}
    assert set(entries) == {"A2929-200711", "haxby2001-slice", "efficientnet-lite0-images",
                            "efficientnet-lite1-images", "efficientnet-lite2-images",
                            "minilm-l6-sentences", "minilm-l3-sentences",
                            "simulated-ventral-stream"}
    for d in entries.values():
        assert d["licence"] and d["citation"] and d["views"]
    assert "CC BY-SA 3.0" in entries["haxby2001-slice"]["licence"]


@pytest.mark.parametrize("name", ["A2929-200711", "haxby2001-slice"])
def test_files_match_their_checksums(name):
    path = hn.datasets.path(name, verify=True)
    assert path.suffix == ".nwb"


def test_unknown_dataset_and_view_list_what_exists():
    with pytest.raises(hn.ParameterError, match="A2929-200711, haxby2001-slice"):
        hn.datasets.load("allen-brain")
    with pytest.raises(hn.ParameterError, match="head-direction, wake-first-half"):
        hn.datasets.load("A2929-200711", view="sleep")


def test_head_direction_tuning_is_real_and_labeled():
    rep = hn.datasets.load("A2929-200711")
    assert rep.shape == (30, 15)
    assert [str(g) for g in hn.representations.groups(rep)] == ["adn", "ca1"]
    assert (rep.values >= 0).all() and rep.values.max() > 1.0
    assert rep.attrs["dataset"] == "A2929-200711" and rep.attrs["view"] == "head-direction"
    # head-direction cells are tuned: each ADn unit's peak rate is well above its mean
    adn = rep.sel(unit=rep["region"] == "adn").values
    assert (adn.max(axis=0) / adn.mean(axis=0) > 3).all()


def test_wake_halves_map_adn_to_adn_and_ca1_to_ca1():
    first = hn.datasets.load("A2929-200711", "wake-first-half")
    second = hn.datasets.load("A2929-200711", "wake-second-half")
    result = hn.compare(first, second, splits=5, seed=0)
    assert result.coupling.dims == ("source_region", "target_region")
    np.testing.assert_allclose(result.coupling.values, np.diag([0.5, 0.5]), atol=1e-12)
    table = result.score_table()
    assert float(table.sel(strategy="hot", statistic="mean")) > 0.3
    assert float(table.sel(strategy="hot", statistic="mean")) > float(
        table.sel(strategy="perm_p", statistic="mean"))


def test_haxby_split_halves_map_each_voxel_group_to_itself():
    odd = hn.datasets.load("haxby2001-slice", "odd-runs")
    even = hn.datasets.load("haxby2001-slice", "even-runs")
    assert odd.shape == even.shape == (8, 530)
    result = hn.compare(odd, even)
    assert result.target_groups == ["posterior", "middle", "anterior"]
    np.testing.assert_allclose(result.coupling.values, np.eye(3) / 3, atol=1e-12)
    assert result.hierarchy_index() == pytest.approx(1.0)


def test_an_installed_copy_finds_its_data(tmp_path):
    """Build a wheel, install it into a target folder, and load a dataset from there."""
    wheel_dir, target = tmp_path / "wheel", tmp_path / "site"
    root = __import__("pathlib").Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(wheel_dir), str(root)], check=True, capture_output=True)
    wheel = next(wheel_dir.glob("hotneuro-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(target), str(wheel)], check=True, capture_output=True)
    code = ("import hotneuro as hn; p = hn.datasets.path('haxby2001-slice', verify=True); "
            "print(p); print(hn.datasets.load('haxby2001-slice').shape)")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, cwd=tmp_path, env={"PYTHONPATH": str(target),
                                                       "PATH": "/usr/bin:/bin"}).stdout
    lines = out.strip().splitlines()
    assert lines[0].startswith(str(target))
    assert lines[1] == "(8, 530)"
