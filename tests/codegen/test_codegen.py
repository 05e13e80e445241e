"""The compiler against tflite-micro: reference models, randomized converter models, cross builds, refusals."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.codegen import harness
from tests.conftest import reference_model
from tinyperf.codegen import compile_model
from tinyperf.errors import ModelError
from tinyperf.firmware.toolchain import freestanding_cflags

#: TFLM arena_used_bytes on the reference kernels (shared/reference/tflm_baseline.md).
TFLM_ARENA = {"kws": 22760, "vww": 100648, "ic": 54328, "ic2": 132088, "ad": 2256, "sww": 15252}

ARM = ["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"]
ARC = ["arc-linux-gnu-gcc", "-mcpu=em4_fpus"]
STRICT = ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-ffreestanding", "-c"]


@pytest.mark.needs_models
@pytest.mark.parametrize("name", sorted(TFLM_ARENA))
def test_reference_model_bit_exact(name: str, tmp_path: Path) -> None:
    path = reference_model(name)
    meta = compile_model(path, tmp_path / "gen", name=name)
    exe = harness.build(tmp_path / "gen", name)
    rng = np.random.default_rng(len(name))
    n = 8 if name == "ic2" else 24
    x = harness.random_inputs(rng, n, int(np.prod(meta["input"]["shape"])))
    ours = harness.run(exe, x, int(np.prod(meta["output"]["shape"])))
    ref = harness.tflm_outputs(path, x)
    np.testing.assert_array_equal(ours, ref)
    assert meta["arena_bytes"] <= TFLM_ARENA[name]
    assert json.loads((tmp_path / "gen" / f"{name}.json").read_text()) == meta
    header = (tmp_path / "gen" / f"{name}.h").read_text()
    up = name.upper()
    for macro in ("INPUT_SIZE", "OUTPUT_SIZE", "ARENA_SIZE", "INPUT_SCALE", "INPUT_ZERO_POINT", "OUTPUT_SCALE",
                  "OUTPUT_ZERO_POINT"):
        assert f"#define {up}_{macro} " in header
    assert f"int {name}_invoke(const int8_t *input, int8_t *output);" in header


# ---- randomized models ---------------------------------------------------------------------------------------

N_PER_KIND = int(os.environ.get("TINYPERF_CODEGEN_CASES", "4"))
N_INPUTS = 8


@pytest.fixture(scope="session")
def random_suite(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Convert (or load cached) random models, compile them all into one build: several models per firmware."""
    pytest.importorskip("tflite_micro")
    from tests.codegen import random_models as rm

    root = tmp_path_factory.mktemp("random")
    rng = np.random.default_rng(20261124)
    cases = []
    for kind in rm.KINDS:
        for i in range(N_PER_KIND):
            spec = rm.draw_spec(rng, kind)
            path = rm.convert(spec)
            name = f"{kind}{i}"
            try:
                meta = compile_model(path, root / name, name=name)
            except ModelError as exc:
                cases.append({"name": name, "spec": spec, "path": path, "refused": str(exc)})
                continue
            cases.append({"name": name, "spec": spec, "path": path, "meta": meta})
    built = [c for c in cases if "meta" in c]
    # One executable with every model: kernel files are shared, only NAME_ symbols are global.
    build = root / "all"
    build.mkdir()
    for c in built:
        for f in (root / c["name"]).iterdir():
            dst = build / f.name
            if dst.exists():
                assert dst.read_bytes() == f.read_bytes(), f"{f.name} differs between models"
            else:
                shutil.copyfile(f, dst)
    main = build.parent / "multi_main.c"
    main.write_text(_multi_main([c["name"] for c in built]))
    exe = root / "multi.exe"
    srcs = sorted(str(p) for p in build.glob("*.c"))
    subprocess.run(["gcc", *harness.CFLAGS, "-I", str(build), str(main), *srcs, "-o", str(exe)], check=True)
    return {"cases": cases, "exe": exe, "root": root}


def _multi_main(names: list[str]) -> str:
    incs = "\n".join(f'#include "{n}.h"' for n in names)
    rows = ",\n".join(f"    {{{n}_invoke, {n.upper()}_INPUT_SIZE, {n.upper()}_OUTPUT_SIZE}}" for n in names)
    return f"""#include <stdio.h>
#include <stdlib.h>
{incs}
typedef struct {{ int (*invoke)(const int8_t *, int8_t *); int in_size, out_size; }} entry_t;
static const entry_t models[] = {{
{rows}
}};
int main(int argc, char **argv)
{{
    static int8_t in[1 << 16], out[1 << 16];
    const entry_t *m;
    FILE *fi, *fo;
    if (argc != 4) return 2;
    m = &models[atoi(argv[1])];
    fi = fopen(argv[2], "rb");
    fo = fopen(argv[3], "wb");
    if (!fi || !fo) return 3;
    while (fread(in, 1, (size_t)m->in_size, fi) == (size_t)m->in_size) {{
        if (m->invoke(in, out) != 0) return 4;
        fwrite(out, 1, (size_t)m->out_size, fo);
    }}
    fclose(fi);
    fclose(fo);
    return 0;
}}
"""


def test_random_models_bit_exact(random_suite: dict) -> None:
    rng = np.random.default_rng(7)
    exe = random_suite["exe"]
    checked = 0
    failures = []
    built = [c for c in random_suite["cases"] if "meta" in c]
    for k, c in enumerate(built):
        meta = c["meta"]
        x = harness.random_inputs(rng, N_INPUTS, int(np.prod(meta["input"]["shape"])))
        fin, fout = exe.with_suffix(".in"), exe.with_suffix(".out")
        x.tofile(fin)
        subprocess.run([str(exe), str(k), str(fin), str(fout)], check=True)
        ours = np.fromfile(fout, dtype=np.int8).reshape(N_INPUTS, -1)
        ref = harness.oracle_outputs(c["path"], x)
        bad = int((ours != ref).any(axis=1).sum())
        checked += N_INPUTS
        if bad:
            failures.append((c["name"], bad, c["spec"], [o["op"] for o in meta["ops"]]))
    assert not failures, failures
    assert checked >= N_INPUTS * len(built)
    kinds = {c["spec"]["kind"] for c in built}
    assert len(kinds) >= 10, kinds


def test_random_models_refusals_are_explicit(random_suite: dict) -> None:
    """Whatever the converter emits that we do not compile is refused with op, layer and reason."""
    for c in random_suite["cases"]:
        if "refused" in c:
            assert "layer " in c["refused"] and "not supported" in c["refused"], c["refused"]


def test_random_ops_coverage(random_suite: dict) -> None:
    ops = {o["op"] for c in random_suite["cases"] if "meta" in c for o in c["meta"]["ops"]}
    expected = {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "AVERAGE_POOL_2D", "MAX_POOL_2D", "ADD", "MUL",
                "SOFTMAX", "MEAN", "PAD", "CONCATENATION", "LOGISTIC", "RESHAPE"}
    assert expected <= ops, expected - ops


# ---- cross builds ------------------------------------------------------------------------------------------------

def _cross_compile(gen: Path, cc: list[str], tmp: Path) -> set[str]:
    undefined: set[str] = set()
    nm = cc[0][: -len("gcc")] + "nm" if cc[0].endswith("-gcc") else "nm"
    for src in sorted(gen.glob("*.c")):
        obj = tmp / (src.stem + "." + cc[0] + ".o")
        # cross compilers see no libc header at all, as in the firmware builds
        isolate = freestanding_cflags(cc[0]) if cc[0].endswith("-gcc") else []
        r = subprocess.run([*cc, *STRICT, *isolate, "-I", str(gen), str(src), "-o", str(obj)], capture_output=True,
                           text=True)
        assert r.returncode == 0, r.stderr
        out = subprocess.run([nm, "-u", str(obj)], capture_output=True, text=True, check=True).stdout
        undefined |= {line.split()[-1] for line in out.splitlines() if line.strip()}
    return undefined


@pytest.mark.needs_arm
@pytest.mark.parametrize("cc", [ARM, ARC, ["gcc"]], ids=["cortex-m4", "arc-em", "host"])
def test_generated_code_cross_compiles_freestanding(cc: list[str], random_suite: dict, tmp_path: Path) -> None:
    if shutil.which(cc[0]) is None:
        pytest.skip(f"{cc[0]} absent")
    gen = random_suite["root"] / "all"  # every kernel and several models
    undefined = _cross_compile(gen, cc, tmp_path)
    internal = {u for u in undefined if u.startswith("tp_") or u.endswith("_invoke")}
    assert undefined - internal <= {"memcpy", "memset"}, undefined


def test_only_prefixed_symbols_are_global(random_suite: dict, tmp_path: Path) -> None:
    built = [c for c in random_suite["cases"] if "meta" in c]
    name = built[0]["name"]
    gen = random_suite["root"] / name
    obj = tmp_path / "m.o"
    subprocess.run(["gcc", *STRICT, "-I", str(gen), str(gen / f"{name}.c"), "-o", str(obj)], check=True)
    out = subprocess.run(["nm", "-g", "--defined-only", str(obj)], capture_output=True, text=True, check=True).stdout
    symbols = [line.split()[-1] for line in out.splitlines() if line.strip()]
    assert symbols and all(s.startswith(name + "_") for s in symbols), symbols


def test_targets_recorded_and_kernels_shared(tmp_path: Path) -> None:
    path = reference_model("ad")
    for target in ("portable", "cortex-m4", "arc-em"):
        meta = compile_model(path, tmp_path / target, name="ad", target=target)
        assert meta["target"] == target
        assert json.loads((tmp_path / target / "ad.json").read_text())["target"] == target
    with pytest.raises(ModelError, match="unknown target"):
        compile_model(path, tmp_path / "x", target="xtensa")
    with pytest.raises(ModelError, match="not a C identifier"):
        compile_model(path, tmp_path / "x", name="9bad-name")


def test_cli_codegen(tmp_path: Path) -> None:
    from tinyperf.cli import main

    path = reference_model("ad")
    assert main(["codegen", str(path), "-o", str(tmp_path / "out")]) == 0
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"model.h", "model.c", "model.json", "tp_fully_connected.c"} <= names
    meta = json.loads((tmp_path / "out" / "model.json").read_text())
    for key in ("name", "target", "input", "output", "arena_bytes", "weight_bytes", "macs", "ops", "source_sha256"):
        assert key in meta
    assert meta["macs"] == 264192
    assert "#define MODEL_INPUT_SIZE 640" in (tmp_path / "out" / "model.h").read_text()
