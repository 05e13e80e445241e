"""The shared arena never overlaps live tensors: every model of a scenario, run in every order through the one
arena the scenario plans (scribbled over between runs), gives the outputs of the same model compiled alone
with its own static arena, bit for bit."""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path

from tests.conftest import reference_model
from tinyperf.codegen.compiler import compile_model
from tinyperf.scenario import arena

MODELS = ("kws", "ic", "ad", "vww")

MAIN = r"""
#include <stdio.h>
#include <string.h>
{includes}
static int8_t shared[{shared}] __attribute__((aligned(16)));
{pointers}
typedef struct {{ const char *id; int (*run)(const int8_t *, int8_t *); int (*solo)(const int8_t *, int8_t *);
                  unsigned in, out; }} model_t;
static const model_t models[] = {{ {table} }};
static const int orders[][{n}] = {{ {orders} }};
static int8_t in[{n}][4][{max_in}], want[{n}][4][{max_out}], got[{max_out}];
static unsigned lcg = 12345u;
static int8_t rnd(void) {{ lcg = lcg * 1103515245u + 12345u; return (int8_t)(lcg >> 16); }}
int main(void)
{{
    unsigned m, k, i, o, checked = 0;
    for (m = 0; m < {n}; m++)
        for (k = 0; k < 4; k++) {{
            for (i = 0; i < models[m].in; i++) in[m][k][i] = (int8_t)(k == 3 ? 0 : rnd());
            if (models[m].solo(in[m][k], want[m][k])) return 3;
        }}
    for (o = 0; o < sizeof orders / sizeof orders[0]; o++)
        for (k = 0; k < 4; k++) {{
            memset(shared, (int)(0x5a ^ (o * 7 + k)), sizeof shared);  /* stale data from "another model" */
            for (i = 0; i < {n}; i++) {{
                m = (unsigned)orders[o][i];
                if (models[m].run(in[m][k], got)) return 4;
                if (memcmp(got, want[m][k], models[m].out)) {{
                    printf("MISMATCH order %u input %u model %s\n", o, k, models[m].id);
                    return 1;
                }}
                checked++;
            }}
        }}
    printf("checked %u runs\n", checked);
    return 0;
}}
"""


def test_every_model_in_every_order_matches_alone(tmp_path: Path) -> None:
    metas, dirs = {}, []
    for t in MODELS:
        tfl = reference_model(t)
        metas[t] = compile_model(tfl, tmp_path / t, name=t, target="portable", arena="extern")
        compile_model(tfl, tmp_path / f"{t}_solo", name=f"{t}_solo", target="portable")
        dirs += [tmp_path / t, tmp_path / f"{t}_solo"]
    plan = arena.plan({t: metas[t]["arena_bytes"] for t in MODELS})
    assert plan.shared_bytes == max(m["arena_bytes"] for m in metas.values()) < plan.separate_bytes
    n = len(MODELS)
    sizes = {t: (metas[t]["input"]["shape"], metas[t]["output"]["shape"]) for t in MODELS}

    def prod(shape: list[int]) -> int:
        out = 1
        for d in shape:
            out *= d
        return out

    orders = list(itertools.permutations(range(n)))
    main = MAIN.format(
        includes="\n".join(f'#include "{t}.h"\n#include "{t}_solo.h"' for t in MODELS),
        shared=plan.shared_bytes,
        pointers="\n".join(f"int8_t *{t}_arena = shared + {plan.offsets[t]};" for t in MODELS),
        table=", ".join(f'{{"{t}", {t}_invoke, {t}_solo_invoke, {t.upper()}_INPUT_SIZE, {t.upper()}_OUTPUT_SIZE}}'
                        for t in MODELS),
        n=n, orders=", ".join("{" + ", ".join(map(str, o)) + "}" for o in orders),
        max_in=max(prod(s[0]) for s in sizes.values()), max_out=max(prod(s[1]) for s in sizes.values()),
    )
    (tmp_path / "main.c").write_text(main)
    kernels: dict[str, Path] = {}
    sources = [tmp_path / "main.c"]
    for d in dirs:
        for c in sorted(d.glob("*.c")):
            if c.stem in (d.name,):
                sources.append(c)
            else:
                kernels.setdefault(c.name, c)
    sources += kernels.values()
    exe = tmp_path / "orders"
    subprocess.run(["gcc", "-std=c99", "-O1", "-Wall", "-Wextra", "-Werror", "-Wno-unused-function",
                    *[f"-I{d}" for d in dirs], *map(str, sources), "-o", str(exe)],
                   check=True, capture_output=True, text=True)
    run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"checked {len(orders) * 4 * n} runs" in run.stdout
