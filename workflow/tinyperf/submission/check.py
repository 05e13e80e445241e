"""`tinyperf submission check DIR`: what the MLCommons tiny submission checker checks (mlperf_tiny.md §6).

Layout ``<division>/<submitter>/{systems,code,results}``; no symbolic links, files over 500 MB,
``__pycache__`` or empty folders; names starting with a dot or holding spaces are warnings. Per system a
``systems/<id>.json`` whose Status is available, preview or rdi. Per benchmark: closed-division names from
ad ic ic2 kws vww sww, ``ic2`` only beside ``ic``; the required tests (accuracy and performance; energy for
sww) with exactly the runner's files; in closed, the accuracy line meeting the quality target; the
``Median throughput is ... inf./sec.`` line in performance and ``Median energy cost is ... uJ/inf`` in energy.
The patterns are the checker's own, so a tree that passes here passes there.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

DIVISIONS = ("closed", "open")
STATUSES = ("available", "preview", "rdi")
CLOSED_MODELS = ("ad", "ic", "ic2", "kws", "vww", "sww")
#: (metric, target) per benchmark; top-1 in percent as results.txt prints it, AUC as a fraction.
ACCURACY_TARGETS: dict[str, tuple[str, float]] = {
    "ad": ("auc", 0.85), "ic": ("top-1", 85.0), "ic2": ("top-1", 91.0), "kws": ("top-1", 90.0),
    "vww": ("top-1", 80.0),
}
REQUIRED_TESTS = {"ad": ("accuracy", "performance"), "ic": ("accuracy", "performance"),
                  "ic2": ("accuracy", "performance"), "kws": ("accuracy", "performance"),
                  "vww": ("accuracy", "performance"), "sww": ("energy",)}
OPTIONAL_TESTS = {"ad": ("energy",), "ic": ("energy",), "ic2": ("energy",), "kws": ("energy",),
                  "vww": ("energy",), "sww": ()}
MLC_FILES = ("log.txt", "results.txt", "results.json")
EEMBC_FILES = ("log.txt", "results.txt", "script.async")
EEMBC_MARKER = "EEMBC_RUNNER"
#: Files the checker tolerates beside the required ones.
OPTIONAL_FILES = ("mlperf_log_trace.json", ".gitkeep")
ACC_PATTERN = {
    "top-1": re.compile(r".* Top[- ]1%?\s?[:=] ([\d\.]+).*"),
    "auc": re.compile(r".* AUC\s?[:=] ([\d\.]+).*"),
}
PERF_PATTERN = re.compile(r".* Median throughput is\s+([\d\.]+) inf\./sec\..*")
ENERGY_PATTERN = re.compile(r"Median energy cost is ([\d\.]+) uJ/inf")
POWER_PATTERN = re.compile(r"Power\s+: ([\d\.]+) mW")
FILE_SIZE_LIMIT = 500 * 1024 * 1024
#: The system description keys a reader of the results table expects filled (reference system json).
SYSTEM_KEYS = (
    "Submitter", "Division", "Status", "Board Name", "SoC Name", "Processor(s) Name", "Processor(s) Frequencies",
    "Accelerator", "Inference Framework", "Software Libraries", "Operating System", "Quantization Method",
    "General Compiler(s)", "Hardware Notes",
)


@dataclass(frozen=True)
class Issue:
    severity: str  # "error" | "warning"
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.path}: {self.message}"


@dataclass(frozen=True)
class Result:
    """One benchmark that passed: what the checker's summary.csv would list."""

    division: str
    submitter: str
    system: str
    model: str
    throughput: float
    accuracy: str | None


class _Checker:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.issues: list[Issue] = []
        self.results: list[Result] = []

    def error(self, path: Path, message: str) -> None:
        self.issues.append(Issue("error", self._rel(path), message))

    def warn(self, path: Path, message: str) -> None:
        self.issues.append(Issue("warning", self._rel(path), message))

    def _rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root)) or "."
        except ValueError:
            return str(path)

    def run(self) -> None:
        if not self.root.is_dir():
            self.error(self.root, "no such directory")
            return
        divisions = [p for p in sorted(self.root.iterdir()) if p.is_dir() and not p.name.startswith(".")]
        if not divisions:
            self.error(self.root, "no division folder (closed/ or open/)")
        for div in divisions:
            if div.name not in DIVISIONS:
                self.error(div, f"invalid division {div.name!r}; allowed: {', '.join(DIVISIONS)}")
                continue
            for submitter in sorted(p for p in div.iterdir() if p.is_dir()):
                self.check_submitter(div.name, submitter)

    def check_submitter(self, division: str, sub: Path) -> None:
        results = sub / "results"
        if not results.is_dir():
            self.error(sub, "no results/ folder")
            return
        if not self.check_folder(sub):
            return
        mapping: dict[str, str] = {}
        if division == "open" and (sub / "model_mapping.json").is_file():
            mapping = json.loads((sub / "model_mapping.json").read_text())
        for system in sorted(p for p in results.iterdir() if p.is_dir()):
            desc = sub / "systems" / f"{system.name}.json"
            if not self.check_system(desc, division):
                continue
            models = sorted(p.name for p in system.iterdir() if p.is_dir())
            if "ic2" in models and "ic" not in models:
                self.error(system / "ic2", "an ic2 result needs an ic result of the same system (upward "
                           "progression rule)")
            for model in models:
                self.check_benchmark(division, sub.name, system.name, system / model, mapping.get(model, model))

    def check_folder(self, sub: Path) -> bool:
        ok = True
        for dirpath, dirnames, filenames in os.walk(sub, followlinks=False):
            here = Path(dirpath)
            for name in dirnames + filenames:
                path = here / name
                if path.is_symlink():
                    self.error(path, "symbolic link; copy the file in instead")
                    ok = False
                    continue
                if name.startswith("."):
                    self.warn(path, "name starts with a dot (git-unfriendly)")
                if " " in name:
                    self.warn(path, "name contains a space")
            for name in filenames:
                path = here / name
                if not path.is_symlink() and path.stat().st_size > FILE_SIZE_LIMIT:
                    self.error(path, "file larger than 500 MB")
                    ok = False
            if here.name == "__pycache__":
                self.error(here, "__pycache__ folder")
                ok = False
            if not dirnames and not filenames:
                self.error(here, "empty folder")
                ok = False
        return ok

    def check_system(self, desc: Path, division: str) -> bool:
        if not desc.is_file():
            self.error(desc, "missing system description for the results folder of the same name")
            return False
        try:
            system = json.loads(desc.read_text())
        except json.JSONDecodeError as exc:
            self.error(desc, f"not valid JSON: {exc}")
            return False
        status = str(system.get("Status", "")).lower()
        if status not in STATUSES:
            self.error(desc, f"Status {system.get('Status')!r} is not one of {', '.join(STATUSES)}")
            return False
        if system.get("system_type") is not None:
            self.error(desc, "key 'system_type' is not allowed in MLPerf Tiny system descriptions")
            return False
        missing = [k for k in SYSTEM_KEYS if str(system.get(k, "")).strip() == ""]
        if missing:
            self.error(desc, f"keys missing or empty: {', '.join(missing)}")
        if str(system.get("Division", division)).lower() != division:
            self.warn(desc, f"Division {system.get('Division')!r} differs from its folder {division!r}")
        return True

    def check_files(self, test_dir: Path, required: tuple[str, ...], extra_ok: tuple[str, ...] = ()) -> bool:
        present = {p.name for p in test_dir.iterdir() if p.is_file()}
        missing = sorted(set(required) - present)
        extra = sorted(n for n in present - set(required) - set(OPTIONAL_FILES)
                       if not any(re.fullmatch(pat, n) for pat in extra_ok))
        if missing:
            self.error(test_dir, f"required file(s) missing: {', '.join(missing)}")
        if extra:
            self.error(test_dir, f"file list mismatch, unexpected: {', '.join(extra)}")
        return not missing

    def check_benchmark(self, division: str, submitter: str, system: str, bench: Path, model: str) -> None:
        if division == "closed" and model not in CLOSED_MODELS:
            self.error(bench, f"invalid benchmark {model!r} for the closed division; allowed: "
                       f"{', '.join(CLOSED_MODELS)}")
            return
        known = model in REQUIRED_TESTS
        eembc = (bench / EEMBC_MARKER).is_file()
        files = EEMBC_FILES if eembc else MLC_FILES
        tests = {p.name for p in bench.iterdir() if p.is_dir()}
        required = REQUIRED_TESTS.get(model, ("accuracy", "performance"))
        allowed = set(required) | set(OPTIONAL_TESTS.get(model, ("energy",)))
        ok = True
        for test in required:
            if test not in tests:
                self.error(bench / test, f"missing: {model} requires {', '.join(required)}")
                ok = False
        for test in sorted(tests - allowed):
            self.warn(bench / test, f"{test!r} is not a test of {model}; ignored")
        accuracy: str | None = None
        if "accuracy" in tests and "accuracy" in required:
            acc_dir = bench / "accuracy"
            if self.check_files(acc_dir, files):
                accuracy, acc_ok = self.check_accuracy(acc_dir, model, division, known)
                ok = ok and acc_ok
            else:
                ok = False
        throughput: float | None = None
        if "performance" in tests:
            perf_dir = bench / "performance"
            if self.check_files(perf_dir, files):
                throughput = self.find(perf_dir / "results.txt", PERF_PATTERN)
                if throughput is None:
                    self.error(perf_dir / "results.txt", "no 'Median throughput is <x> inf./sec.' line")
                    ok = False
            else:
                ok = False
        if "energy" in tests:
            energy_dir = bench / "energy"
            if self.check_files(energy_dir, files, extra_ok=(r"energy_inf_\d+\.png",)):
                pattern = POWER_PATTERN if model == "sww" else ENERGY_PATTERN
                if self.find(energy_dir / "results.txt", pattern) is None:
                    what = "'Power : <x> mW'" if model == "sww" else "'Median energy cost is <x> uJ/inf'"
                    self.error(energy_dir / "results.txt", f"no {what} line")
                    ok = False
            else:
                ok = False
        if ok:
            self.results.append(Result(division, submitter, system, model, throughput or 0.0, accuracy))

    def check_accuracy(self, acc_dir: Path, model: str, division: str, known: bool) -> tuple[str | None, bool]:
        if not known or model not in ACCURACY_TARGETS:
            return None, True
        metric, target = ACCURACY_TARGETS[model]
        value = self.find_text(acc_dir / "results.txt", ACC_PATTERN[metric])
        shown = "Top-1: <x>%" if metric == "top-1" else "AUC: <x>"
        if value is None:
            if division == "closed":
                self.error(acc_dir / "results.txt", f"no accuracy line ('{shown}')")
                return None, False
            self.warn(acc_dir / "results.txt", f"no accuracy line ('{shown}'); accepted in the open division")
            return None, True
        if float(value) < target:
            text = f"{metric} {value} is below the quality target {target:g}"
            if division == "closed":
                self.error(acc_dir / "results.txt", text + " (required in the closed division)")
                return value, False
            self.warn(acc_dir / "results.txt", text + "; accepted in the open division")
        return value, True

    @staticmethod
    def find_text(path: Path, pattern: re.Pattern[str]) -> str | None:
        found = None
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = pattern.match(line) if pattern.pattern.startswith(".*") else pattern.search(line)
                if m:
                    found = m.group(1)  # the last match wins, as in the MLCommons checker
        return found

    def find(self, path: Path, pattern: re.Pattern[str]) -> float | None:
        text = self.find_text(path, pattern)
        try:
            return None if text is None else float(text)
        except ValueError:
            return None


def check(root: str | Path) -> tuple[list[Issue], list[Result]]:
    """Check a submission tree; returns (issues, benchmarks that passed)."""
    checker = _Checker(Path(root))
    checker.run()
    return checker.issues, checker.results


def errors(issues: list[Issue]) -> list[Issue]:
    return [i for i in issues if i.severity == "error"]
