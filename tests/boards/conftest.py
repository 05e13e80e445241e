"""Firmware for the seed boards built for real with the cross compilers: codegen once per model and kernel
target, each (board, task) firmware built once per session, two builds at a time."""

from __future__ import annotations

import copy
import shutil
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import reference_model
from tinyperf import profiles
from tinyperf.codegen.compiler import compile_model
from tinyperf.firmware.build import BuildResult, build_firmware

#: boards CI builds with Debian's cross compilers, and the kernel variant set each one gets
BOARDS = {"nano33ble": "cortex-m4", "sparkfun_edge": "cortex-m4", "himax": "arc-em"}
TASKS = ("kws", "vww", "ic", "ad")
TOOLS = {"cortex-m4": "arm-none-eabi-", "arc-em": "arc-linux-gnu-"}


class Builds:
    """Lazily built firmware, shared by every test of the session."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.pool = ThreadPoolExecutor(max_workers=2)
        # codegen gets its own workers: a build waiting on its model must never hold the one that makes it
        self.codegen_pool = ThreadPoolExecutor(max_workers=2)
        self.lock = threading.Lock()
        self.models: dict[tuple[str, str], Future[Path]] = {}
        self.firmware: dict[tuple[str, str], Future[BuildResult]] = {}

    def _codegen(self, task: str, target: str) -> Path:
        out = self.root / "codegen" / f"{task}-{target}"
        compile_model(reference_model_path(task), out, target=target)
        return out

    def model(self, task: str, target: str) -> Future[Path]:
        with self.lock:
            key = (task, target)
            if key not in self.models:
                self.models[key] = self.codegen_pool.submit(self._codegen, task, target)
            return self.models[key]

    def _build(self, board: str, task: str) -> BuildResult:
        model_dir = self.model(task, BOARDS[board]).result()
        return build_firmware(board, model_dir, task, self.root / "fw" / f"{board}-{task}")

    def get(self, board: str, task: str) -> BuildResult:
        with self.lock:
            key = (board, task)
            if key not in self.firmware:
                self.firmware[key] = self.pool.submit(self._build, board, task)
        return self.firmware[key].result()

    def prefetch(self) -> None:
        """Queue every build up front, so two compile at a time whatever order the tests ask in."""
        for task in TASKS:
            if not reference_path_exists(task):
                continue
            for board in BOARDS:
                with self.lock:
                    if (board, task) not in self.firmware:
                        self.firmware[(board, task)] = self.pool.submit(self._build, board, task)


def reference_model_path(task: str) -> Path:
    return reference_model(task)


def reference_path_exists(task: str) -> bool:
    try:
        reference_model(task)
    except pytest.skip.Exception:
        return False
    return True


@pytest.fixture(scope="session")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Builds]:
    for prefix in TOOLS.values():
        if shutil.which(prefix + "gcc") is None:
            pytest.skip(f"{prefix}gcc not installed")
    b = Builds(tmp_path_factory.mktemp("boards"))
    b.prefetch()
    yield b
    b.pool.shutdown(wait=True)
    b.codegen_pool.shutdown(wait=True)


@pytest.fixture
def patched_profile(monkeypatch: pytest.MonkeyPatch) -> Callable[..., dict[str, Any]]:
    """Build against a modified copy of a board or task profile: patch("board", "nano33ble", {"memory":
    {"ram_bytes": 65536}}) merges the dict into the real profile for this test only."""
    real_board, real_task = profiles.board, profiles.task
    overrides: dict[tuple[str, str], dict[str, Any]] = {}

    def merged(kind: str, name: str) -> dict[str, Any]:
        base = copy.deepcopy((real_board if kind == "board" else real_task)(name))
        for key, value in overrides.get((kind, name), {}).items():
            if isinstance(value, dict):
                base[key] = {**base.get(key, {}), **value}
            else:
                base[key] = value
        return base

    monkeypatch.setattr(profiles, "board", lambda name: merged("board", name))
    monkeypatch.setattr(profiles, "task", lambda name: merged("task", name))

    def patch(kind: str, name: str, changes: dict[str, Any]) -> dict[str, Any]:
        overrides[(kind, name)] = changes
        return merged(kind, name)

    return patch
