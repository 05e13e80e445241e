"""An engine library as the firmware build links it: libtflm.a and the flags its objects were compiled with
(library.json, written by `tinyperf engine library`), so the model's C++ glue is compiled exactly like TFLM."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinyperf.errors import BuildError
from tinyperf.firmware.toolchain import BuildLog, Toolchain

LIBRARY, RECORD = "libtflm.a", "library.json"
#: the glue is kernel-class code in TFLM's terms (its Makefile builds application code at -O2 too)
GLUE_OPT = "-O2"


@dataclass(frozen=True)
class EngineLibrary:
    path: Path
    record: dict[str, Any]

    @classmethod
    def load(cls, folder: Path, engine: str) -> EngineLibrary:
        try:
            record = json.loads((folder / RECORD).read_text())
        except (OSError, ValueError) as exc:
            raise BuildError(f"{folder}: no readable {RECORD} ({exc}); build it with `tinyperf engine library "
                             f"--engine {engine} --board BOARD -o {folder}`") from exc
        if not (folder / LIBRARY).is_file():
            raise BuildError(f"{folder}: no {LIBRARY}; rebuild it with `tinyperf engine library`")
        if record.get("engine") != engine:
            raise BuildError(f"{folder} is the {record.get('engine')} library; the model was generated for {engine}")
        return cls(folder, record)

    def check_board(self, board: str) -> None:
        """The library's objects were compiled by *board*'s compiler with its flags (any board compiling alike)."""
        from tinyperf.engines.library import toolchain_key

        if self.record.get("toolchain") != toolchain_key(board):
            raise BuildError(f"{self.path} was built with {self.record.get('board')}'s toolchain "
                             f"({self.record.get('compiler')} {' '.join(self.record.get('cflags', []))}), which "
                             f"is not how {board} compiles: build it for {board}")

    def compile(self, src: Path, obj: Path, extra: list[str], blog: BuildLog) -> Path:
        obj.parent.mkdir(parents=True, exist_ok=True)
        blog.run([self.record["compiler"], *self.record["cxxflags"], GLUE_OPT, *extra, "-c", str(src),
                  "-o", str(obj)], f"compiling {src.name}")
        return obj

    def link_libs(self, tc: Toolchain) -> list[str]:
        """The library, then what its C++ needs of the board's C library (profile toolchain.cxx_libs)."""
        return [str(self.path / LIBRARY), *tc.prof["toolchain"].get("cxx_libs", [])]

    def record_summary(self) -> dict[str, Any]:
        return {"path": str(self.path), "engine": self.record["engine"], "board": self.record["board"],
                "compiler": self.record["compiler"],
                "sources": {k: v["commit"] for k, v in self.record["sources"].items()}}
