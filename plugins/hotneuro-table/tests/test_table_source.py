"""The ``table`` source: registration, conformance, auto-detection and known answers."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

hotneuro_table = pytest.importorskip(
    "hotneuro_table", reason="install the plugin: pip install -e plugins/hotneuro-table")

import hotneuro as hn  # noqa: E402
from hotneuro import plugins  # noqa: E402
from hotneuro.plugins import get_source  # noqa: E402
from hotneuro.testing import check_source  # noqa: E402

from hotneuro_table import can_open_table, load_table  # noqa: E402
from hotneuro_table import plugin as table_plugin  # noqa: E402

DATA = Path(__file__).parent / "data"
MACAQUE = DATA / "macaque_v4_it.csv"
CONVNET = DATA / "tiny_convnet.tsv"

LONG = """stimulus,unit,region,response
face,n1,V4,2.0
face,n1,V4,4.0
face,n2,IT,1.0
house,n1,V4,0.5
house,n2,IT,7.0
car,n1,V4,1.5
car,n2,IT,3.0
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _fresh_registry():
    """Every test sees the installed plugins, whatever an earlier test did to the registry."""
    plugins.reset()
    yield
    plugins.reset()


# --- registration -------------------------------------------------------------------


def test_the_distribution_announces_the_plugin_entry_point():
    found = {ep.name: ep.value for ep in entry_points(group="hotneuro")}
    assert found.get("table") == "hotneuro_table.plugin"


def test_the_installed_plugin_registers_the_table_source():
    sources = {s["name"]: s for s in hn.list_sources()}
    assert sources["table"]["plugin"] == "table"
    assert sources["table"]["extensions"] == [".csv", ".tsv"]
    info = {p.name: p for p in plugins.plugins()}["table"]
    assert info.distribution == "hotneuro-table"
    assert info.sources == ["table"] and info.error is None


def test_the_hook_registers_exactly_one_source():
    registered = []
    table_plugin.hotneuro_register_sources(register=registered.append)
    assert [s.name for s in registered] == ["table"]
    assert registered[0].load is load_table


# --- conformance (hotneuro.testing.check_source) --------------------------------------


def test_conforms_on_a_long_csv(tmp_path):
    rep = check_source(get_source("table"), write(tmp_path, "long.csv", LONG))
    assert rep.sizes == {"stimulus": 3, "unit": 2}


def test_conforms_on_the_realistic_long_table_with_repetitions():
    rep = check_source(get_source("table"), MACAQUE, repetition_column="trial",
                       repetitions=True)
    assert rep.sizes == {"stimulus": 6, "unit": 5, "repetition": 2}


def test_conforms_on_a_wide_tsv():
    rep = check_source(get_source("table"), CONVNET, layout="wide", level="layer",
                       stimulus_column="image", ignore_columns=["label"])
    assert rep.sizes == {"stimulus": 6, "unit": 6}


# --- hotneuro.load picks the source by itself -------------------------------------------


@pytest.mark.parametrize("name", ["responses.csv", "RESPONSES.CSV"])
def test_load_detects_csv(tmp_path, name):
    rep = hn.load(write(tmp_path, name, LONG))
    assert rep.attrs["source"] == "table"
    assert rep.attrs["system"] == Path(name).stem


def test_load_detects_tsv_and_passes_options():
    rep = hn.load(CONVNET, layout="wide", level="layer", stimulus_column="image",
                  ignore_columns=["label"], system="tiny convnet")
    assert rep.attrs == {"system": "tiny convnet", "source": "table"}
    assert [str(g) for g in hn.representations.groups(rep)] == ["conv1", "conv2", "fc"]


# --- known answers: long layout -------------------------------------------------------


def test_long_averages_repeated_rows_and_keeps_first_appearance_order(tmp_path):
    rep = load_table(write(tmp_path, "t.csv", LONG))
    np.testing.assert_array_equal(rep.values, [[3.0, 1.0], [0.5, 7.0], [1.5, 3.0]])
    assert rep.dtype == np.float64
    assert rep["stimulus"].values.tolist() == ["face", "house", "car"]  # not sorted
    assert rep["unit"].values.tolist() == ["n1", "n2"]
    assert rep["region"].values.tolist() == ["V4", "IT"]  # V4 first, as in the file
    assert "layer" not in rep.coords
    assert rep.attrs == {"system": "t"}


def test_long_rows_in_any_order_give_the_same_cells(tmp_path):
    lines = LONG.splitlines()
    shuffled = "\n".join([lines[0], *reversed(lines[1:])]) + "\n"
    rep = load_table(write(tmp_path, "t.csv", shuffled))
    # reversed file: car appears first, IT's unit first
    assert rep["stimulus"].values.tolist() == ["car", "house", "face"]
    assert rep["region"].values.tolist() == ["IT", "V4"]
    assert float(rep.sel(stimulus="face", unit="n1")) == 3.0


def test_long_repetitions_from_a_column(tmp_path):
    text = "stimulus,unit,layer,response,trial\n" + "".join(
        f"s{s},u{u},L{u // 2},{10 * s + u + 100 * t},{t}\n"
        for t in (7, 3) for s in range(3) for u in range(4))
    rep = load_table(write(tmp_path, "t.csv", text), repetition_column="trial",
                     repetitions=True)
    assert rep.dims == ("stimulus", "unit", "repetition")
    assert rep["repetition"].values.tolist() == [7, 3]  # ints, in order of appearance
    np.testing.assert_array_equal(rep.sel(repetition=3).values,
                                  300 + 10 * np.arange(3)[:, None] + np.arange(4))
    assert rep["layer"].values.tolist() == ["L0", "L0", "L1", "L1"]
    mean = load_table(tmp_path / "t.csv", repetition_column="trial")
    xr.testing.assert_allclose(mean, rep.mean("repetition"), rtol=0, atol=1e-12)


def test_long_repetitions_numbered_in_order_of_appearance(tmp_path):
    rep = load_table(write(tmp_path, "t.csv", LONG.replace(
        "face,n2,IT,1.0\n", "face,n2,IT,1.0\nface,n2,IT,5.0\n").replace(
        "house,n1,V4,0.5\n", "house,n1,V4,0.5\nhouse,n1,V4,0.25\n").replace(
        "house,n2,IT,7.0\n", "house,n2,IT,7.0\nhouse,n2,IT,8.0\n").replace(
        "car,n1,V4,1.5\n", "car,n1,V4,1.5\ncar,n1,V4,2.5\n").replace(
        "car,n2,IT,3.0\n", "car,n2,IT,3.0\ncar,n2,IT,-3.0\n")), repetitions=True)
    assert rep["repetition"].values.tolist() == [0, 1]
    np.testing.assert_array_equal(rep.sel(stimulus="face").values, [[2.0, 4.0], [1.0, 5.0]])
    np.testing.assert_array_equal(rep.sel(stimulus="car").values, [[1.5, 2.5], [3.0, -3.0]])


def test_ids_are_ints_only_when_all_are_plain_integers(tmp_path):
    text = "stimulus,unit,region,response\n" + "".join(
        f"{s},{u},A,{s * u}\n" for s in (10, -2, 0) for u in (3, 1))
    rep = load_table(write(tmp_path, "ints.csv", text))
    assert rep["stimulus"].dtype == np.int64 and rep["unit"].dtype == np.int64
    assert rep["stimulus"].values.tolist() == [10, -2, 0]
    assert rep["unit"].values.tolist() == [3, 1]
    assert rep["region"].values.tolist() == ["A", "A"]  # group labels stay str
    # one id that is not a plain integer keeps them all str (no "007" -> 7 surprises)
    rep = load_table(write(tmp_path, "mixed.csv", text.replace("\n0,", "\n007,")))
    assert rep["stimulus"].values.tolist() == ["10", "-2", "007"]
    assert rep["unit"].dtype == np.int64


def test_custom_columns_and_level(tmp_path):
    text = "img;cell;area;rate\na;c1;MT;1\nb;c1;MT;2\nc;c1;MT;4\na;c2;V1;3\nb;c2;V1;5\nc;c2;V1;6\n"
    path = write(tmp_path, "custom.txt", text)
    rep = load_table(path, sep=";", stimulus_column="img", unit_column="cell",
                     group_column="area", value_column="rate", level="region",
                     system="mouse A1")
    np.testing.assert_array_equal(rep.values, [[1, 3], [2, 5], [4, 6]])
    assert rep["region"].values.tolist() == ["MT", "V1"]
    assert rep.attrs["system"] == "mouse A1"
    # an explicit level wins over the group column's name
    lay = load_table(write(tmp_path, "t.csv", LONG), level="layer")
    assert lay["layer"].values.tolist() == ["V4", "IT"] and "region" not in lay.coords


def test_layer_column_is_found_by_itself(tmp_path):
    rep = load_table(write(tmp_path, "net.csv", LONG.replace("region", "layer")))
    assert rep["layer"].values.tolist() == ["V4", "IT"]


def test_whitespace_blank_lines_bom_and_quoting(tmp_path):
    text = ('\ufeff stimulus , unit , region , response \n\n'
            'face , "n,1", V4 , 2\n'
            '   \n'
            '"house",  "n,1",V4 , 1e-1\n'
            ',,,\n'
            'car, "n,1", V4, -3.5\n')
    rep = load_table(write(tmp_path, "t.csv", text))
    assert rep["unit"].values.tolist() == ["n,1"]
    assert rep["stimulus"].values.tolist() == ["face", "house", "car"]
    np.testing.assert_array_equal(rep.values[:, 0], [2.0, 0.1, -3.5])


def test_tsv_separator_from_the_suffix(tmp_path):
    rep = load_table(write(tmp_path, "t.tsv", LONG.replace(",", "\t")))
    np.testing.assert_array_equal(rep.values, [[3.0, 1.0], [0.5, 7.0], [1.5, 3.0]])


def test_extra_columns_are_ignored_in_the_long_layout():
    rep = load_table(MACAQUE)
    assert rep.sizes == {"stimulus": 6, "unit": 5}
    assert list(rep.coords) == ["stimulus", "unit", "region"]


# --- known answers: wide layout -------------------------------------------------------

WIDE = """stimulus,V4:n1,IT:n2,V4:n3
face,2,1,9
house,0.5,7,8
car,1.5,3,7
"""


def test_wide_groups_from_the_column_names(tmp_path):
    rep = load_table(write(tmp_path, "w.csv", WIDE), layout="wide", level="region")
    np.testing.assert_array_equal(rep.values, [[2, 1, 9], [0.5, 7, 8], [1.5, 3, 7]])
    assert rep["unit"].values.tolist() == ["V4:n1", "IT:n2", "V4:n3"]  # the full names
    assert rep["region"].values.tolist() == ["V4", "IT", "V4"]
    assert list(hn.representations.groups(rep)) == ["V4", "IT"]


def test_wide_and_long_give_the_same_representation(tmp_path):
    long = "stimulus,unit,region,response\n" + "".join(
        f"{s},{u},{u.split(':')[0]},{v}\n"
        for s, row in zip(["face", "house", "car"], [[2, 1, 9], [0.5, 7, 8], [1.5, 3, 7]],
                          strict=True)
        for u, v in zip(["V4:n1", "IT:n2", "V4:n3"], row, strict=True))
    (tmp_path / "long").mkdir()
    (tmp_path / "wide").mkdir()
    xr.testing.assert_identical(
        load_table(write(tmp_path / "long", "same.csv", long)),
        load_table(write(tmp_path / "wide", "same.csv", WIDE), layout="wide", level="region"))


def test_wide_groups_mapping_and_other_group_sep(tmp_path):
    text = WIDE.replace(":", "|")
    rep = load_table(write(tmp_path, "w.csv", text), layout="wide", level="region",
                     group_sep="|")
    assert rep["region"].values.tolist() == ["V4", "IT", "V4"]
    plain = "stimulus,1,2,3\nface,2,1,9\nhouse,0.5,7,8\ncar,1.5,3,7\n"
    rep = load_table(write(tmp_path, "p.csv", plain), layout="wide", level="layer",
                     groups={"deep": ["2"], "shallow": ["3", "1"]})
    # mapping order does not matter: units keep the file's order, groups first appearance
    assert rep["unit"].values.tolist() == [1, 2, 3]
    assert rep["layer"].values.tolist() == ["shallow", "deep", "shallow"]


def test_wide_repeated_rows_are_averaged_or_kept(tmp_path):
    text = WIDE + "face,4,3,11\n"
    path = write(tmp_path, "w.csv", text)
    rep = load_table(path, layout="wide", level="region")
    np.testing.assert_array_equal(rep.sel(stimulus="face").values, [3, 2, 10])
    with pytest.raises(hn.SourceError, match=r"\('house', 'V4:n1', 1\)"):
        load_table(path, layout="wide", level="region", repetitions=True)
    full = text + "house,0,0,0\ncar,1,1,1\n"
    rep = load_table(write(tmp_path, "w2.csv", full), layout="wide", level="region",
                     repetitions=True)
    np.testing.assert_array_equal(rep.sel(stimulus="face").values, [[2, 4], [1, 3], [9, 11]])


def test_wide_with_a_repetition_column(tmp_path):
    text = ("run,stimulus,V1:a,V1:b\n"
            "r1,x,1,2\nr1,y,3,4\nr1,z,5,6\nr2,z,50,60\nr2,y,30,40\nr2,x,10,20\n")
    rep = load_table(write(tmp_path, "w.csv", text), layout="wide", level="region",
                     repetition_column="run", repetitions=True)
    assert rep["repetition"].values.tolist() == ["r1", "r2"]
    np.testing.assert_array_equal(rep.sel(unit="V1:b").values, [[2, 20], [4, 40], [6, 60]])


def test_the_realistic_wide_table_has_known_values():
    rep = load_table(CONVNET, layout="wide", level="layer", stimulus_column="image",
                     ignore_columns=["label"])
    assert rep["stimulus"].values.tolist() == [0, 1, 2, 3, 4, 5]
    assert rep["layer"].values.tolist() == ["conv1"] * 3 + ["conv2"] * 2 + ["fc"]
    np.testing.assert_array_equal(rep.sel(stimulus=3).values,
                                  [1.33, 0.27, 0.91, 0.0, 1.40, 2.3])
    assert rep.attrs["system"] == "tiny_convnet"


# --- can_open ---------------------------------------------------------------------------


def test_can_open_accepts_tables(tmp_path):
    assert can_open_table(write(tmp_path, "a.csv", LONG))
    assert can_open_table(str(write(tmp_path, "a.TSV", LONG.replace(",", "\t"))))
    assert can_open_table(MACAQUE)


@pytest.mark.parametrize("name,content", [
    ("a.txt", LONG),                              # another suffix
    ("a.csv", ""),                                # empty
    ("a.csv", "\n\n"),                            # blank first line
    ("a.tsv", LONG),                              # no tab in the first line of a .tsv
    ("a.csv", b"\x89HDF\r\n\x1a\n\x00\x00\xff\xfe"),  # binary
    ("a.csv", b"stim\x00ulus,unit\n"),            # NUL
    ("a.csv", b"\xff\xfe,\xfa\n"),                # not UTF-8
])
def test_can_open_refuses_other_files(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    assert can_open_table(path) is False


@pytest.mark.parametrize("what", [None, 3, b"a.csv", "https://example.org/a.csv",
                                  "missing.csv", "dir.csv"])
def test_can_open_never_raises(tmp_path, monkeypatch, what):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dir.csv").mkdir()
    assert can_open_table(what) is False  # type: ignore[arg-type]


def test_can_open_reads_only_the_first_line(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"stimulus,unit,region,response\n" + b"\xff" * 100)  # bad later on
    assert can_open_table(path)
    with pytest.raises(hn.SourceError, match="not UTF-8"):
        load_table(path)


def test_a_loaded_table_survives_hotneuro_save(tmp_path):
    rep = hn.load(CONVNET, layout="wide", level="layer", stimulus_column="image",
                  ignore_columns=["label"])
    back = hn.load(hn.save(rep, tmp_path / "convnet.nc"))
    # hotneuro.load records the source that read the file last
    assert back.attrs["source"] == "netcdf"
    xr.testing.assert_identical(back.drop_attrs(), rep.drop_attrs())
    assert {**back.attrs, "source": "table"} == rep.attrs
    assert back["stimulus"].dtype.kind == "i"
