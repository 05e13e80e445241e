"""pyocd (SWD) as the alternative method: without pyocd or without a probe, the step says what to get."""

from __future__ import annotations

import sys

import pytest

from tinyperf.errors import HardwareMissing
from tinyperf.flash import flash


def test_without_pyocd_installed_says_pip_install(firmware, tmp_path, monkeypatch):
    fw, _ = firmware
    for name in [m for m in sys.modules if m == "pyocd" or m.startswith("pyocd.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pyocd", None)  # what an absent package looks like to import
    with pytest.raises(HardwareMissing, match="pip install pyocd"):
        flash("nano33ble", fw, None, tmp_path / "r.json", method="pyocd")


def test_without_a_probe_says_attach_one(firmware, tmp_path):
    pytest.importorskip("pyocd")
    fw, _ = firmware
    with pytest.raises(HardwareMissing) as exc:
        flash("sparkfun_edge", fw, None, tmp_path / "r.json", method="pyocd", task="kws")
    msg = str(exc.value)
    assert "no SWD debug probe found" in msg and "board=sparkfun_edge task=kws" in msg
