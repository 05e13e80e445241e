# tinyperf: the MLPerf Tiny benchmark lifecycle, one reproducible DAG per task and board.
#
#   snakemake --cores all --config board=himax task=ad        a real run on real data
#   snakemake --cores all --configfile config/demo.yaml       the offline demo (synthetic data, no hardware)
#
# Stages, one rule file each: datasets -> training -> quantization -> codegen -> firmware -> flash -> measure.
import re

from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"


wildcard_constraints:
    task="|".join(profiles.TASKS),
    board="|".join(profiles.BOARDS),
    data="real|synth|official",
    model=r"train|reference|reference-ptq|byom-[0-9a-f]{12}",
    target="portable|cortex-m4|arc-em|" + "|".join(TFLM_ENGINES),
    engine="|".join(re.escape(e) for e in dict.fromkeys([*engine_sources.engines(), *ENGINES])),


include: "workflow/rules/datasets.smk"
include: "workflow/rules/training.smk"
include: "workflow/rules/quantize.smk"
include: "workflow/rules/engines.smk"
include: "workflow/rules/codegen.smk"
include: "workflow/rules/firmware.smk"
include: "workflow/rules/measure.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/scenario.smk"


rule all:
    input:
        all_targets(),
        report_layout.targets(DATA, MODEL, TASKS, BOARDS, bench=bool(BENCH_BOARDS), engines=ENGINES),
        scenario_wf.targets(DATA, MODEL, SCENARIOS, BOARDS),
    default_target: True
