from __future__ import annotations

from pathlib import Path

import pytest

from tinyperf.cli import main
from tinyperf.report import layout, plots, summary
from tinyperf.report.collect import load_run


def test_every_figure_is_written_and_not_blank(results_tree: tuple[Path, list[Path]], tmp_path: Path) -> None:
    _, runs = results_tree
    out = tmp_path / "plots"
    assert main(["report", "plots", *map(str, runs), "-o", str(out)]) == 0
    expected = layout.plot_files(["kws", "ad"], ["host", "qemu_m4", "nano33ble"], bench=True)
    names = [n for kind in expected.values() for n in kind]
    assert sorted(p.name for p in out.iterdir()) == sorted(names)
    for name in names:
        assert not plots.is_blank(out / name), name


def test_latency_plot_labels_each_bar_measured_or_estimated(results_tree: tuple[Path, list[Path]],
                                                           tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, runs = results_tree
    df = summary.build(runs, config_hash="x")
    texts: list[str] = []
    real_save = plots._save

    def spy(fig, out):  # type: ignore[no-untyped-def]
        for ax in fig.axes:
            texts.extend(t.get_text() for t in ax.texts)
            texts.append(ax.get_title())
        return real_save(fig, out)

    monkeypatch.setattr(plots, "_save", spy)
    plots.latency(df, tmp_path / "latency.png")
    bar_labels = [t for t in texts if "ms\n" in t]
    assert len(bar_labels) == len(df)
    assert sum(t.endswith("\nmeasured") for t in bar_labels) == 2  # host, kws and ad
    assert sum(t.endswith("\nestimated") for t in bar_labels) == 4  # qemu_m4 and nano33ble
    assert any("estimated" in t and "measured" in t for t in texts)  # the title explains the hatching


def test_missing_data_gives_a_figure_that_says_so(results_tree: tuple[Path, list[Path]], tmp_path: Path) -> None:
    _, runs = results_tree
    run = load_run(runs[0])
    out = plots.training(None, "kws", tmp_path / "t.png")
    assert out.exists() and not plots.is_blank(out)
    run.accuracy = None
    run.host = None
    out = plots.confusion(run, tmp_path / "c.png")
    assert out.exists() and not plots.is_blank(out)
