"""The command line: every subcommand on bundled data, errors, help with examples."""

from __future__ import annotations

import pytest

import hotneuro as hn
from hotneuro.cli import _parser, main

SUBCOMMANDS = ["demo", "compare", "compare-many", "sources", "methods", "plugins",
               "inspect", "plot", "report"]


@pytest.fixture(scope="module")
def files():
    return {name: str(hn.datasets.path(name)) for name in
            ("efficientnet-lite0-images", "efficientnet-lite1-images",
             "simulated-ventral-stream")}


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_help_has_examples(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert "example" in capsys.readouterr().out


def test_listing_commands(capsys):
    for command in ("sources", "methods", "plugins"):
        assert main([command]) == 0
    out = capsys.readouterr().out
    for name in ("nwb", "npz", "hot", "cka", "linear_predictivity",
                 "hotneuro.methods.plugin"):
        assert name in out


def test_compare_writes_result_and_figure_and_prints_scores(files, tmp_path, capsys):
    out = tmp_path / "r.nc"
    code = main(["compare", files["efficientnet-lite0-images"],
                 files["efficientnet-lite1-images"], "--splits", "2", "--quiet",
                 "--out", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "Held-out reconstruction score over 2" in text
    result = hn.open_result(out)
    assert result.scores.sizes["split"] == 2
    assert (tmp_path / "r-coupling.png").read_bytes()[:4] == b"\x89PNG"


def test_compare_several_methods_with_nwb_options(files, tmp_path, capsys):
    out = tmp_path / "several"
    code = main(["compare", files["simulated-ventral-stream"],
                 files["efficientnet-lite0-images"], "--intervals", "stimulus_presentations",
                 "--stimulus-column", "image_id", "--window", "0.05", "0.25",
                 "--method", "hot", "--method", "cka", "--quiet", "--no-figures",
                 "--out", str(out)])
    assert code == 0
    assert "cka" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["cka.nc", "hot.nc"]
    assert hn.open_result(out / "hot.nc").source_groups == ["V1", "V4", "IT"]


def test_inspect_plot_and_report(files, tmp_path, capsys):
    assert main(["inspect", files["simulated-ventral-stream"], "--option",
                 "intervals=stimulus_presentations", "--option", "stimulus_column=image_id",
                 "--option", "window=[0.05, 0.25]"]) == 0
    text = capsys.readouterr().out
    assert "stimuli: 300" in text and "V1" in text and "units: 72" in text
    result_path = tmp_path / "r.nc"
    a = hn.datasets.load("efficientnet-lite0-images")
    hn.compare(a, a).to_netcdf(result_path)
    assert main(["inspect", str(result_path)]) == 0
    assert "HOTResult" in capsys.readouterr().out
    for suffix, magic in ((".svg", b"<?xml"), (".pdf", b"%PDF")):
        target = tmp_path / f"figure{suffix}"
        assert main(["plot", str(result_path), "--out", str(target)]) == 0
        assert target.read_bytes()[:5].startswith(magic)
    report = tmp_path / "report.html"
    assert main(["report", str(result_path), "--out", str(report)]) == 0
    page = report.read_text()
    assert page.startswith("<!DOCTYPE html>") and "data:image/png;base64," in page
    assert "r.nc" in page


def test_errors_are_one_line_on_stderr_without_traceback(tmp_path, capsys):
    assert main(["compare", str(tmp_path / "missing.nc"), str(tmp_path / "x.nc")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hotneuro: error: No such file")
    assert "Traceback" not in err
    assert main(["compare", "a", "b", "--option", "novalue"]) == 2
    assert "KEY=VALUE" in capsys.readouterr().err
    with pytest.raises(hn.HotneuroError):
        main(["--debug", "compare", str(tmp_path / "missing.nc"), "b"])


def test_every_subcommand_is_tested():
    sub = next(a for a in _parser()._actions if a.dest == "command")
    assert sorted(sub.choices) == sorted(SUBCOMMANDS)
