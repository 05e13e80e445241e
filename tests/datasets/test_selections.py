"""The official MLPerf Tiny evaluation lists in datasets/selections/ and the prepare code that uses them."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from tinyperf.datasets import evalset, prepare
from tinyperf.errors import DatasetError

SEL = prepare.SELECTIONS
AD_NAME = re.compile(r"^(normal|anomaly)_id_(0[1-4])_(\d{8})_hist_librosa\.bin$")


def _rows(name: str) -> list[list[str]]:
    rows = prepare._read_selection(name)
    assert rows is not None, f"{SEL / name} is missing"
    return rows


@pytest.mark.parametrize("name, n", [("ic01_y_labels.csv", 200), ("vww01_y_labels.csv", 1000),
                                     ("kws01_y_labels.csv", 1000), ("ad01_y_labels.csv", 248),
                                     ("ad01_y_labels_alt.csv", 72)])
def test_every_line_parses_with_the_eval_reader(tmp_path: Path, name: str, n: int) -> None:
    text = (SEL / name).read_text()
    assert text.endswith("\n") and "\r" not in text and "\n\n" not in text
    rows = _rows(name)
    assert len(rows) == n == len(text.splitlines())
    assert len({r[0] for r in rows}) == n, "duplicate file names"
    # the project's own y_labels.csv parser accepts every row once the listed files exist
    for r in rows:
        (tmp_path / r[0]).touch()
    shutil.copy(SEL / name, tmp_path / evalset.LABELS_FILE)
    entries = evalset.read_labels(tmp_path)
    assert [e.file for e in entries] == [r[0] for r in rows]


def test_vww_list_is_500_persons_then_500_non_persons() -> None:
    rows = _rows("vww01_y_labels.csv")
    assert all(re.fullmatch(r"\d{12}\.bin", r[0]) and r[1] == "2" and len(r) == 3 for r in rows)
    assert [r[2] for r in rows] == ["1"] * 500 + ["0"] * 500
    assert (SEL / "vww01_y_labels.csv").stat().st_size == 21000


def test_kws_list_names_follow_the_index_and_label() -> None:
    rows = _rows("kws01_y_labels.csv")
    for i, r in enumerate(rows):
        label = int(r[2])
        assert r == [f"tst_{i:06d}_{prepare.KWS_FILE_LABELS[label]}_{label}.bin", "12", r[2]]
    counts = Counter(int(r[2]) for r in rows)
    assert sorted(counts) == list(range(12)) and min(counts.values()) > 40


def test_ad_lists() -> None:
    rows = _rows("ad01_y_labels.csv")
    groups = Counter()
    for r in rows:
        m = AD_NAME.match(r[0])
        assert m and r[1:] == ["2", str(int(m.group(1) == "anomaly")), "2560", "512"], r
        assert int(m.group(3)) % 10 == 3
        groups[(m.group(1), m.group(2))] += 1
    assert groups == {**{("normal", i): 35 for i in ("01", "02", "03", "04")},
                      **{("anomaly", i): 27 for i in ("01", "02", "03", "04")}}
    assert [r[2] for r in rows] == ["0"] * 140 + ["1"] * 108
    alt = _rows("ad01_y_labels_alt.csv")
    assert Counter(AD_NAME.match(r[0]).group(1, 2) for r in alt) == {k: 9 for k in groups}
    assert {r[0] for r in alt} < {r[0] for r in rows}
    # 640 float32 per window, 128-value hop: the windows prepare writes
    assert (int(rows[0][3]), int(rows[0][4])) == (640 * 4, 128 * 4)


# --- ad: the selection code ------------------------------------------------------------------------------------


def _toycar_test_dir(root: Path, n_normal: int, n_anomaly: int) -> list[Path]:
    test = root / "dev_data_ToyCar" / "ToyCar" / "test"
    test.mkdir(parents=True)
    for mid in ("01", "02", "03", "04"):
        for kind, n in (("normal", n_normal), ("anomaly", n_anomaly)):
            for k in range(n):
                (test / f"{kind}_id_{mid}_{k:08d}.wav").touch()
    return sorted(test.glob("*.wav"), key=lambda p: p.name)


def test_ad_official_list_selects_exactly_its_files(tmp_path: Path) -> None:
    files = _toycar_test_dir(tmp_path, 352, 268)  # more than the list names
    rows = _rows("ad01_y_labels.csv")
    chosen = prepare._ad_select(files, rows, None)
    assert [f"{p.stem}_hist_librosa.bin" for p, _ in chosen] == [r[0] for r in rows]
    assert [label for _, label in chosen] == [int(r[2]) for r in rows]
    # the published list is the every-10th rule applied to the ToyCar test files
    assert prepare._ad_select(files, None, None) == chosen
    # a cap keeps both kinds and all four ids
    capped = prepare._ad_select(files, rows, 16)
    assert len(capped) == 16 and {p.name[:-13] for p, _ in capped} == {f"{k}_id_{i}" for k in ("normal", "anomaly")
                                                                        for i in ("01", "02", "03", "04")}


def test_ad_missing_official_file_is_named(tmp_path: Path) -> None:
    files = _toycar_test_dir(tmp_path, 352, 268)
    files = [p for p in files if p.name != "anomaly_id_03_00000123.wav"]
    with pytest.raises(DatasetError, match=r"1 of the 248 .*anomaly_id_03_00000123_hist_librosa\.bin"):
        prepare._ad_select(files, _rows("ad01_y_labels.csv"), None)


def test_ad_synthetic_sizes_keep_the_rule(tmp_path: Path) -> None:
    # synthetic ToyCar test sets are small: without the list (not a real source) the rule applies unchanged
    files = _toycar_test_dir(tmp_path, 30, 30)
    chosen = prepare._ad_select(files, None, None)
    assert [p.name for p, _ in chosen][:3] == [f"normal_id_01_{k:08d}.wav" for k in (3, 13, 23)]
    assert len(chosen) == 8 * 3
    with pytest.raises(DatasetError, match="have no ToyCar test wav"):
        prepare._ad_select(files, _rows("ad01_y_labels.csv"), None)


# --- vww: through the real-source path of _prepare_vww ---------------------------------------------------------


def _vww_raw(root: Path, rows: list[list[str]], decoys: int = 30) -> Path:
    from PIL import Image

    base = root / "vw_coco2014_96" / "vw_coco2014_96"
    img = Image.fromarray(np.full((8, 8, 3), 128, np.uint8))
    for folder in prepare.VWW_CLASSES:
        (base / folder).mkdir(parents=True)
    for r in rows:
        img.save(base / prepare.VWW_CLASSES[int(r[2])] / f"COCO_val2014_{r[0][:12]}.jpg")
    for k in range(decoys):  # images outside the list, sorted first so the validation tenth is not the list
        img.save(base / prepare.VWW_CLASSES[k % 2] / f"COCO_train2014_{k:012d}.jpg")
    return root


@pytest.fixture(scope="module")
def vww_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _vww_raw(tmp_path_factory.mktemp("vww"), _rows("vww01_y_labels.csv"))


def _run_vww(raw: Path, out: Path, eval_limit: int | None, real: bool) -> dict:
    (out / "eval").mkdir(parents=True)
    return prepare._prepare_vww(raw, out, eval_limit, 7, real)


def test_vww_real_source_takes_the_official_ids_in_order(tmp_path: Path, vww_raw: Path) -> None:
    result = _run_vww(vww_raw, tmp_path, None, True)
    assert result["official"] and "official vww01" in result["selection"]
    evalset.write_labels(tmp_path / "eval", result["eval"])
    assert (tmp_path / "eval" / "y_labels.csv").read_bytes() == (SEL / "vww01_y_labels.csv").read_bytes()
    assert sorted(p.name for p in (tmp_path / "eval").glob("*.bin")) == sorted(
        r[0] for r in _rows("vww01_y_labels.csv"))


def test_vww_real_source_cap_keeps_list_order_per_class(tmp_path: Path, vww_raw: Path) -> None:
    rows = _rows("vww01_y_labels.csv")
    result = _run_vww(vww_raw, tmp_path, 10, True)
    assert not result["official"]
    assert [e.file for e in result["eval"]] == [r[0] for r in rows[:5]] + [r[0] for r in rows[500:505]]


def test_vww_synthetic_source_ignores_the_list(tmp_path: Path, vww_raw: Path) -> None:
    result = _run_vww(vww_raw, tmp_path, 10, False)
    assert not result["official"] and "no official list" in result["selection"]
    assert len(result["eval"]) == 10 and [e.label for e in result["eval"]] == [0, 1] * 5


def test_vww_missing_ids_are_named(tmp_path: Path) -> None:
    rows = _rows("vww01_y_labels.csv")
    raw = _vww_raw(tmp_path / "raw", rows[:3] + rows[500:503], decoys=4)  # a real-format archive lacking most ids
    with pytest.raises(DatasetError, match=rf"994 of the 1000 .*COCO ids {rows[3][0][:12]}, {rows[4][0][:12]}"):
        _run_vww(raw, tmp_path / "out", None, True)
    # the selection helper on a few rows: exactly those are chosen, a missing one is named
    files = {c: sorted((raw / "vw_coco2014_96" / "vw_coco2014_96" / c).iterdir()) for c in prepare.VWW_CLASSES}
    few = rows[:3] + rows[500:503]
    assert [p.name for p, _ in prepare._vww_official(files, few, 500)] == [f"COCO_val2014_{r[0][:12]}.jpg"
                                                                          for r in few]
    with pytest.raises(DatasetError, match=rows[600][0][:12]):
        prepare._vww_official(files, [*few, rows[600]], 500)


def test_vww_label_disagreement_is_an_error(tmp_path: Path) -> None:
    rows = _rows("vww01_y_labels.csv")
    raw = _vww_raw(tmp_path, [rows[0], [rows[500][0], "2", "1"]], decoys=0)  # a non-person filed under person/
    files = {c: sorted((raw / "vw_coco2014_96" / "vw_coco2014_96" / c).iterdir()) for c in prepare.VWW_CLASSES}
    with pytest.raises(DatasetError, match=rf"{rows[500][0][:12]} under person/, the official list labels it 0"):
        prepare._vww_official(files, [rows[0], rows[500]], 500)


# --- kws: the check of our generated names ---------------------------------------------------------------------


def _entries(names: list[str]) -> list[evalset.EvalEntry]:
    return [evalset.EvalEntry(n, 12, int(n.split("_")[-1][:-4])) for n in names]


def test_kws_official_names_pass_and_mark_the_set_official() -> None:
    names = [r[0] for r in _rows("kws01_y_labels.csv")]
    assert prepare._check_official_kws(_entries(names), real=True) is True
    assert prepare._check_official_kws(_entries(names[:40]), real=True) is False  # capped: a prefix, not the set
    assert prepare._check_official_kws(_entries([*names, "tst_001000_Up_8.bin"]), real=True) is False


def test_kws_first_mismatch_is_named() -> None:
    names = [r[0] for r in _rows("kws01_y_labels.csv")]
    bad = names.copy()
    bad[123] = "tst_000123_Go_1.bin" if names[123] != "tst_000123_Go_1.bin" else "tst_000123_No_3.bin"
    bad[500] = "tst_000500_No_3.bin" if names[500] != "tst_000500_No_3.bin" else "tst_000500_Go_1.bin"
    with pytest.raises(DatasetError, match=rf"file 123 is {bad[123]}, the official list says {names[123]}"):
        prepare._check_official_kws(_entries(bad), real=True)


def test_kws_synthetic_names_are_not_checked() -> None:
    # synthetic test splits give other names (their own tfds order); only a real source is checked
    assert prepare._check_official_kws(_entries(["tst_000000_Yes_9.bin", "tst_000001_Yes_9.bin"]), real=False) is False
