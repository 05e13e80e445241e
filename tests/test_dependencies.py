"""Every third-party module that workflow/, tests/ and benchmarks/ import is declared in pyproject.toml.

A module that is merely installed on the machine (by hand, or as another package's dependency) hides a missing
declaration until a fresh environment meets it: this reads the imports from the sources and the declarations from
pyproject.toml, and fails naming the module, the file and the distribution to declare.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCES = ("workflow", "tests", "benchmarks", "tools")
FIRST_PARTY = {"tinyperf", "tests"}

#: import name -> distribution, where they differ (and the distribution may not be installed to ask)
DISTRIBUTION_OF = {
    "PIL": "pillow",
    "serial": "pyserial",
    "sklearn": "scikit-learn",
    "yaml": "pyyaml",
    "elftools": "pyelftools",
    "tensorflow_model_optimization": "tensorflow-model-optimization",
    "tf_keras": "tf-keras",
    "tflite_micro": "tflite-micro",
    "ai_edge_litert": "ai-edge-litert",
}

#: imported only behind pytest.importorskip as an optional cross-check, so never required
OPTIONAL_IMPORTS = {"librosa"}


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~\[;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def declared(pyproject: Path) -> set[str]:
    """Distributions named in [project] dependencies and every optional-dependencies extra."""
    project = tomllib.loads(pyproject.read_text())["project"]
    reqs = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        reqs += extra
    return {_name(r) for r in reqs}


def imports(path: Path) -> set[str]:
    """Top-level names of the absolute imports in one Python file (function-level imports included)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def distribution(module: str) -> str:
    if module in DISTRIBUTION_OF:
        return DISTRIBUTION_OF[module]
    installed = importlib.metadata.packages_distributions().get(module)
    return (installed[0] if installed else module).lower().replace("_", "-")


def undeclared(repo: Path) -> list[str]:
    """'file: import X (distribution D)' for each third-party import pyproject.toml does not declare."""
    ok = declared(repo / "pyproject.toml")
    problems = []
    for root in SOURCES:
        for path in sorted((repo / root).rglob("*.py")):
            for module in sorted(imports(path) - FIRST_PARTY - OPTIONAL_IMPORTS):
                if module in sys.stdlib_module_names:
                    continue
                dist = distribution(module)
                if dist not in ok:
                    problems.append(f"{path.relative_to(repo)}: import {module} (distribution {dist})")
    return problems


def test_every_imported_module_is_declared_in_pyproject() -> None:
    problems = undeclared(REPO)
    assert not problems, "declare in pyproject.toml (dependencies, or the test extra):\n" + "\n".join(problems)


def test_an_undeclared_import_is_named(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["numpy>=1"]\n'
                                             '[project.optional-dependencies]\ntest = ["pyelftools"]\n')
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text(
        "import numpy\nfrom elftools.elf.elffile import ELFFile\n\ndef f():\n    import requests.adapters\n"
    )
    assert undeclared(tmp_path) == ["tests/test_x.py: import requests (distribution requests)"]


@pytest.mark.parametrize(("requirement", "name"), [
    ("tf-keras==2.21.*", "tf-keras"), ("pyserial>=3.5", "pyserial"), ("tflite_micro", "tflite-micro"),
    ("a[b]>=1; python_version>'3'", "a"),
])
def test_requirement_names(requirement: str, name: str) -> None:
    assert _name(requirement) == name
