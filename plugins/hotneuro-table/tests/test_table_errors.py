"""Bad tables and bad options: every one is a hotneuro error whose message says what to fix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip(
    "hotneuro_table", reason="install the plugin: pip install -e plugins/hotneuro-table")

import hotneuro as hn  # noqa: E402

from hotneuro_table import load_table  # noqa: E402

HEADER = "stimulus,unit,region,response\n"
GOOD_ROWS = "a,u1,V1,1\nb,u1,V1,2\nc,u1,V1,3\na,u2,V4,4\nb,u2,V4,5\nc,u2,V4,6\n"
WIDE = "stimulus,V1:u1,V4:u2\na,1,4\nb,2,5\nc,3,6\n"


def write(tmp_path: Path, text: str | bytes, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


# Each case: file content, options, and regexes the SourceError message must match.
SOURCE_ERRORS = {
    "empty file": ("", {}, [r"is empty", r"header line"]),
    "only blank lines": ("\n  \n\n", {}, [r"is empty"]),
    "header but no rows": (HEADER, {}, [r"has a header but no data rows"]),
    "missing value column lists the columns": (
        "stimulus,unit,region,rate\na,u,V1,1\n", {},
        [r"no column 'response' \(the value_column= option\)",
         r"columns are 'stimulus', 'unit', 'region', 'rate'", r"layout='wide'"]),
    "missing stimulus column": (
        "image,unit,region,response\na,u,V1,1\n", {},
        [r"no column 'stimulus' \(the stimulus_column= option\)", r"'image'"]),
    "missing repetition column": (
        HEADER + GOOD_ROWS, {"repetition_column": "trial"},
        [r"no column 'trial' \(the repetition_column= option\)"]),
    "neither region nor layer": (
        "stimulus,unit,area,response\na,u,V1,1\n", {},
        [r"neither a 'region' nor a 'layer' column", r"group_column="]),
    "both region and layer": (
        "stimulus,unit,region,layer,response\na,u,V1,L1,1\n", {},
        [r"both a 'region' and a 'layer' column", r"group_column="]),
    "non-numeric value names line and column": (
        HEADER + GOOD_ROWS.replace("b,u2,V4,5", "b,u2,V4,5x"), {},
        [r"Line 6 of .*column 'response': '5x' is not a number"]),
    "decimal comma": (
        HEADER + GOOD_ROWS.replace("c,u1,V1,3", 'c,u1,V1,"3,5"'), {},
        [r"Line 4 .*'3,5' is not a number", r"decimal point"]),
    "empty value": (
        HEADER + GOOD_ROWS.replace("a,u2,V4,4", "a,u2,V4,"), {},
        [r"Line 5 of .* no value in column 'response'"]),
    "NaN value": (
        HEADER + GOOD_ROWS.replace("a,u2,V4,4", "a,u2,V4,NaN"), {},
        [r"Line 5 .*'NaN' is not finite"]),
    "infinite value": (
        HEADER + GOOD_ROWS.replace("a,u2,V4,4", "a,u2,V4,-inf"), {},
        [r"'-inf' is not finite"]),
    "empty unit id": (
        HEADER + GOOD_ROWS.replace("a,u2,V4,4", "a,,V4,4"), {},
        [r"Line 5 .* empty 'unit' field \(unit_column\)"]),
    "missing cells are listed": (
        HEADER + GOOD_ROWS.replace("b,u2,V4,5\n", "").replace("c,u1,V1,3\n", ""), {},
        [r"no row for \(stimulus, unit\) \('b', 'u2'\), \('c', 'u1'\)",
         r"value for every stimulus of every unit"]),
    "many missing cells are abbreviated": (
        HEADER + "".join(f"s{i},u{i},V1,1\n" for i in range(6)), {},
        [r"\.\.\. \(30 in all\)"]),
    "ragged row, too many fields": (
        HEADER + GOOD_ROWS.replace("b,u1,V1,2", "b,u1,V1,2,9"), {},
        [r"Line 3 of .* has 5 fields but the header has 4"]),
    "ragged row, too few fields": (
        HEADER + GOOD_ROWS + "d,u1,V1\n", {},
        [r"Line 8 of .* has 3 fields but the header has 4"]),
    "unit in two groups": (
        HEADER + GOOD_ROWS.replace("a,u2,V4,4", "a,u1,V4,4"), {},
        [r"Line 5 .* unit 'u1' in region 'V4', but line 2 puts it in 'V1'",
         r"unique across groups"]),
    "duplicate column names": (
        "stimulus,unit,region,response,unit\na,u,V1,1,u\n", {},
        [r"names column\(s\) \['unit'\] more than once"]),
    "empty column name (trailing separator)": (
        "stimulus,unit,region,response,\na,u,V1,1,\n", {},
        [r"empty column name at position\(s\) 5"]),
    "wrong separator": (
        HEADER.replace(",", ";") + "a;u;V1;1\n", {},
        [r"single column 'stimulus;unit;region;response'", r"sep="]),
    "not UTF-8": (
        HEADER.encode() + b"a,u1,V1,\xe9\n", {}, [r"is not UTF-8 text"]),
    "bad quoting": (
        HEADER + 'a,"u1"x,V1,1\n', {}, [r"not a well-formed delimited table", r"quoting"]),
    "too few stimuli": (
        HEADER + "a,u1,V1,1\nb,u1,V1,2\n", {},
        [r"does not make a valid representation", r"at least 3"]),
    "repeated repetition ids": (
        HEADER.replace("\n", ",trial\n") + "".join(
            f"{s},u1,V1,1,{t}\n" for s in "abc" for t in (1, 2)) + "b,u1,V1,1,2\n",
        {"repetition_column": "trial", "repetitions": True},
        [r"more than one row for \(stimulus, unit, repetition\) \('b', 'u1', 2\)"]),
    "missing repetition": (
        HEADER.replace("\n", ",trial\n") + "".join(
            f"{s},u1,V1,1,{t}\n" for s in "abc" for t in (1, 2) if (s, t) != ("c", 1)),
        {"repetition_column": "trial", "repetitions": True},
        [r"no row for \(stimulus, unit, repetition\) \('c', 'u1', 1\)",
         r"every repetition"]),
    "unequal numbers of repeats": (
        HEADER + GOOD_ROWS + GOOD_ROWS.replace("c,u1,V1,3\n", ""), {"repetitions": True},
        [r"\('c', 'u1', 1\)", r"numbered 0, 1, \.\.\. in order of appearance"]),
    "wide: column without a group": (
        "stimulus,V1:u1,u2\na,1,4\nb,2,5\nc,3,6\n", {"layout": "wide", "level": "region"},
        [r"\['u2'\] .* do not name a group", r"'<group>:<unit>'", r"groups="]),
    "wide: empty group name": (
        "stimulus,V1:u1,:u2\na,1,4\nb,2,5\nc,3,6\n", {"layout": "wide", "level": "region"},
        [r"\[':u2'\] .* do not name a group"]),
    "wide: missing stimulus column": (
        WIDE, {"layout": "wide", "level": "region", "stimulus_column": "image"},
        [r"no column 'image' \(the stimulus_column= option\)",
         r"'stimulus', 'V1:u1', 'V4:u2'"]),
    "wide: non-numeric cell": (
        WIDE.replace("b,2,5", "b,2,n/a"), {"layout": "wide", "level": "region"},
        [r"Line 3 of .*column 'V4:u2': 'n/a' is not a number"]),
    "wide: empty cell": (
        WIDE.replace("b,2,5", "b,,5"), {"layout": "wide", "level": "region"},
        [r"Line 3 of .* no value in column 'V1:u1'"]),
    "wide: empty stimulus": (
        WIDE.replace("b,2,5", ",2,5"), {"layout": "wide", "level": "region"},
        [r"Line 3 .* empty 'stimulus' field"]),
    "wide: ragged": (
        WIDE.replace("b,2,5", "b,2"), {"layout": "wide", "level": "region"},
        [r"Line 3 .* has 2 fields but the header has 3"]),
    "wide: unknown ignored column": (
        WIDE, {"layout": "wide", "level": "region", "ignore_columns": ["label"]},
        [r"no column 'label' \(the ignore_columns= option\)"]),
    "wide: nothing but ignored columns": (
        "stimulus,label\na,x\n", {"layout": "wide", "level": "region",
                                  "ignore_columns": ["label"]},
        [r"no unit columns"]),
    "wide: groups= names a missing column": (
        WIDE, {"layout": "wide", "level": "region", "groups": {"V1": ["V1:u1", "u9"]}},
        [r"no column 'u9' \(the groups\['V1'\]= option\)"]),
    "wide: groups= leaves columns out": (
        WIDE, {"layout": "wide", "level": "region", "groups": {"V1": ["V1:u1"]}},
        [r"\['V4:u2'\] .* are in no group of groups=", r"ignore_columns="]),
    "unknown suffix without sep": (
        HEADER + GOOD_ROWS, {}, [r"Cannot tell the separator", r"sep="]),
}


@pytest.mark.parametrize("case", list(SOURCE_ERRORS))
def test_bad_tables_raise_source_errors(tmp_path, case):
    text, options, patterns = SOURCE_ERRORS[case]
    name = "t.dat" if case == "unknown suffix without sep" else "t.csv"
    path = write(tmp_path, text, name)
    with pytest.raises(hn.SourceError) as info:
        load_table(path, **options)
    message = str(info.value)
    for pattern in patterns:
        assert re.search(pattern, message), (pattern, message)
    assert isinstance(info.value, ValueError) and isinstance(info.value, hn.HotneuroError)


PARAMETER_ERRORS = {
    "unknown layout": ({"layout": "tall"}, r"layout must be 'long' or 'wide', got 'tall'"),
    "unknown level": ({"level": "area"}, r"level must be 'layer' or 'region', got 'area'"),
    "separator of two characters": ({"sep": ";;"}, r"sep must be one character"),
    "quote as separator": ({"sep": '"'}, r"sep must be one character"),
    "groups with the long layout": ({"groups": {"V1": ["u1"]}}, r"layout='wide' only"),
    "ignore_columns with the long layout": ({"ignore_columns": ["x"]}, r"layout='wide' only"),
    "group_column with the wide layout": (
        {"layout": "wide", "level": "region", "group_column": "region"},
        r"group_column= applies to layout='long' only"),
    "wide without level": ({"layout": "wide"}, r"layout='wide' needs level='region'"),
    "wide with an empty group_sep": (
        {"layout": "wide", "level": "region", "group_sep": ""}, r"group_sep must be"),
    "ignore_columns as a str": (
        {"layout": "wide", "level": "region", "ignore_columns": "label"},
        r"ignore_columns=\['label'\]"),
    "group column of another name without level": (
        {"group_column": "stimulus"},
        r"group column 'stimulus' is neither 'layer' nor 'region'; pass level="),
}


@pytest.mark.parametrize("case", list(PARAMETER_ERRORS))
def test_bad_options_raise_parameter_errors(tmp_path, case):
    options, pattern = PARAMETER_ERRORS[case]
    path = write(tmp_path, HEADER + GOOD_ROWS)
    with pytest.raises(hn.ParameterError, match=pattern):
        load_table(path, **options)


@pytest.mark.parametrize("groups,pattern", [
    ({"V1": "V1:u1", "V4": ["V4:u2"]}, r"groups\['V1'\] is the str 'V1:u1'"),
    ({"V1": ["V1:u1"], "V4": ["V1:u1", "V4:u2"]}, r"'V1:u1' is in groups 'V1' and 'V4'"),
    ([("V1", ["V1:u1"])], r"groups must be a mapping"),
])
def test_bad_groups_mapping(tmp_path, groups, pattern):
    path = write(tmp_path, WIDE)
    with pytest.raises(hn.ParameterError, match=pattern):
        load_table(path, layout="wide", level="region", groups=groups)


def test_errors_come_through_hotneuro_load(tmp_path):
    path = write(tmp_path, HEADER + GOOD_ROWS.replace("a,u2,V4,4", "a,u2,V4,four"))
    with pytest.raises(hn.SourceError, match=r"'four' is not a number"):
        hn.load(path)
    with pytest.raises(hn.SourceError, match=r"No such file"):
        hn.load(tmp_path / "missing.csv")


def test_an_unknown_option_is_a_type_error(tmp_path):
    path = write(tmp_path, HEADER + GOOD_ROWS)
    with pytest.raises(TypeError, match="stimulus_col"):
        load_table(path, stimulus_col="stimulus")  # type: ignore[call-arg]


def test_a_directory_is_a_source_error(tmp_path):
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(hn.SourceError, match="Cannot read"):
        load_table(tmp_path / "d.csv")
