"""A fake results tree shared by the report tests (built once per session: it is only read)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.report.fakeresults import write_tree


@pytest.fixture(scope="session")
def results_tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """(results root, run dirs): kws and ad, trained here, on host, qemu_m4 and nano33ble (no hardware)."""
    root = tmp_path_factory.mktemp("tree") / "results"
    runs = write_tree(root, boards=("host", "qemu_m4", "nano33ble"))
    return root, runs
