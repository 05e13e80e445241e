"""eval_data: the official evaluation files in the EEMBC runner layout are accepted only when they are exactly
the official selection; every kind of mismatch names the file (or row) and leaves nothing behind."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.datasets.official_layout import REAL, write_set
from tinyperf.datasets import official
from tinyperf.errors import DatasetError


@pytest.fixture
def ic01(tmp_path: Path) -> Path:
    write_set(tmp_path / "eval_data", "ic")
    return tmp_path / "eval_data"


def _refused(task: str, eval_data: Path, out: Path, match: str) -> None:
    with pytest.raises(DatasetError, match=match):
        official.take(task, eval_data, out)
    assert not out.exists() and not list(out.parent.glob(f".{out.name}.*"))  # no result, no half-written one


@pytest.mark.parametrize("task", ["vww", "ic", "ic2", "ad", "kws"])
def test_an_official_layout_is_taken_in_whole(tmp_path: Path, task: str) -> None:
    write_set(tmp_path / "eval_data", task)
    meta = official.take(task, tmp_path / "eval_data", tmp_path / "data")
    rows = official.selection(meta["evaluation_set"])
    assert meta["official_eval_set"] is True and meta["counts"]["eval"] == len(rows)
    assert meta["evaluation_set"] == {"ic2": "ic01"}.get(task, f"{task}01")
    copied = sorted(p.name for p in (tmp_path / "data" / "eval").glob("*.bin"))
    assert copied == sorted(r[0] for r in rows)
    assert json.loads((tmp_path / "data" / "meta.json").read_text())["files_sha256"] == meta["files_sha256"]


def test_missing_file_is_named(ic01: Path, tmp_path: Path) -> None:
    (ic01 / "ic01" / "taxi_s_001241.bin").unlink()
    _refused("ic", ic01, tmp_path / "data", r"ic01/taxi_s_001241.bin: listed in y_labels.csv but missing")


def test_extra_file_is_named(ic01: Path, tmp_path: Path) -> None:
    shutil.copyfile(ic01 / "ic01" / "emu_s_002009.bin", ic01 / "ic01" / "zebra_s_000001.bin")
    _refused("ic", ic01, tmp_path / "data", r"ic01/zebra_s_000001.bin: not in the official ic01 list")


def test_misnamed_file_is_named(ic01: Path, tmp_path: Path) -> None:
    (ic01 / "ic01" / "taxi_s_001241.bin").rename(ic01 / "ic01" / "taxi_s_1241.bin")
    _refused("ic", ic01, tmp_path / "data", r"taxi_s_001241.bin: listed .* missing \(misnamed\?\); unlisted .bin "
                                            r"files here: taxi_s_1241.bin")


def test_wrong_size_file_is_named(ic01: Path, tmp_path: Path) -> None:
    path = ic01 / "ic01" / "emu_s_002009.bin"
    path.write_bytes(path.read_bytes()[:-1])
    _refused("ic", ic01, tmp_path / "data", r"ic01/emu_s_002009.bin: 3071 bytes, but every ic01 file has 3072")


def test_a_label_list_that_differs_names_the_row(ic01: Path, tmp_path: Path) -> None:
    labels = ic01 / "ic01" / "y_labels.csv"
    rows = labels.read_text().splitlines()
    rows[4] = rows[4].rsplit(",", 1)[0] + ",9"
    labels.write_text("\n".join(rows) + "\n")
    _refused("ic", ic01, tmp_path / "data", r"y_labels.csv:5: .* but row 5 of the official ic01 list is")


def test_a_short_list_is_refused(ic01: Path, tmp_path: Path) -> None:
    labels = ic01 / "ic01" / "y_labels.csv"
    labels.write_text("".join(line + "\n" for line in labels.read_text().splitlines()[:-1]))
    _refused("ic", ic01, tmp_path / "data", r"199 rows, the official ic01 list has 200 \(first missing row")


def test_absent_set_folder_says_the_layout(tmp_path: Path) -> None:
    (tmp_path / "eval_data").mkdir()
    _refused("vww", tmp_path / "eval_data", tmp_path / "data", r"eval_data/vww01: no such folder; eval_data must "
                                                               r"hold the EEMBC runner's dataset folders")


@pytest.mark.skipif(not (REAL / "kws01" / "y_labels.csv").is_file(), reason="official set ../shared/eembc absent")
def test_the_real_official_kws01_set_is_accepted(tmp_path: Path) -> None:
    meta = official.take("kws", REAL, tmp_path / "data")
    assert meta["counts"]["eval"] == 1000 and meta["evaluation_set"] == "kws01"
