"""The library files a stage really runs: a module and every tinyperf module it imports, transitively.

The workflow declares these as a rule's inputs, so editing a module reruns exactly the jobs whose stage imports
it (and what follows them), and nothing else: the dispatcher `tinyperf.cli`, which every command passes through
but which computes nothing, is not part of any stage. Imports are read from the source (ast), not executed, so
this is cheap at DAG-building time and needs none of the stage's heavy dependencies; imports inside functions
count too, since the stage may run them.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PACKAGE = PACKAGE_DIR.name
#: imported by every `tinyperf <stage>` command but computing nothing of any stage's result
DISPATCH = {f"{PACKAGE}.cli", f"{PACKAGE}.__main__"}


def module_file(module: str) -> Path | None:
    """tinyperf.a.b -> .../tinyperf/a/b.py or .../tinyperf/a/b/__init__.py; None when it is not a module."""
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return None
    base = PACKAGE_DIR.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


@cache
def _direct_imports(module: str) -> frozenset[str]:
    path = module_file(module)
    if path is None:
        raise ValueError(f"{module}: no such tinyperf module")
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                pkg = _package_of(module, path).split(".")
                base = ".".join(pkg[: len(pkg) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names}  # `from pkg import submodule`
    # every import also runs the __init__ of each package above the module
    closed = set()
    for name in found:
        parts = name.split(".")
        closed |= {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
    return frozenset(m for m in closed if module_file(m) is not None)


def closure(*modules: str) -> list[Path]:
    """The files of *modules* and of every tinyperf module they import, transitively, sorted."""
    seen: set[str] = set()
    todo = [m for m in modules]
    for m in modules:
        parts = m.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]
    while todo:
        m = todo.pop()
        if m in seen or m in DISPATCH:
            continue
        seen.add(m)
        todo += sorted(_direct_imports(m) - seen)
    return sorted({p for m in seen if (p := module_file(m)) is not None})


#: where the package sits in a checkout (the workflow's working directory)
CHECKOUT_PATH = f"workflow/{PACKAGE}"


def stage_files(*modules: str) -> list[str]:
    """closure() as paths relative to the checkout (workflow/tinyperf/...): a rule's code inputs."""
    return [f"{CHECKOUT_PATH}/{p.relative_to(PACKAGE_DIR).as_posix()}" for p in closure(*modules)]
