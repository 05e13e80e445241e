# Multi-DNN scenarios (config/scenarios/<name>.yaml, config key `scenario`): several models in one firmware with
# one shared arena, run per period as a pipeline or side by side against a deadline. A scenario that does not
# fit the board, or misses its deadline, is a result with the numbers (scenario.json, results.json), not a
# failed job. `rule all` asks for scenario_wf.targets(DATA, MODEL, SCENARIOS, BOARDS).
from tinyperf.firmware import build as fwbuild
from tinyperf.scenario import workflow as scenario_wf


SCENARIO = layout.SCENARIO


rule scenario_firmware:
    input:
        scenario="config/scenarios/{scenario}.yaml",
        models=lambda wc: list(scenario_wf.model_files(wc.scenario, wc.data, wc.model).values()),
        runtime=glob.glob("firmware/runtime/*"),
        dut=glob.glob("firmware/dut/*"),
        scenario_src=glob.glob("firmware/scenario/*"),
        board_src=lambda wc: fwbuild.board_layer_files(wc.board),
        profile=board_profile,
        code=code("scenario.cli"),
    output:
        fw=directory(f"{SCENARIO}/firmware"),
    log:
        "logs/scenario/{data}/{model}/{scenario}/{board}/firmware.log",
    wildcard_constraints:
        scenario=r"[a-z][a-z0-9_]*",
    params:
        tflite=lambda wc: " ".join(
            f"--tflite {k}={v}" for k, v in scenario_wf.model_files(wc.scenario, wc.data, wc.model).items()
        ),
        target=lambda wc: tpconfig.codegen_target(CFG, wc.board),
    conda:
        "../../envs/firmware.yaml"
    shell:
        "tinyperf scenario build {input.scenario} --board {wildcards.board} {params.tflite} "
        "--target {params.target} -o {output.fw} > {log} 2>&1"


rule scenario_run:
    input:
        fw=f"{SCENARIO}/firmware",
        scenario="config/scenarios/{scenario}.yaml",
        data=lambda wc: list(scenario_wf.eval_dirs(wc.scenario, wc.data).values()),
        code=code("scenario.cli"),
    output:
        out=directory(f"{SCENARIO}/run"),
    log:
        "logs/scenario/{data}/{model}/{scenario}/{board}/run.log",
    wildcard_constraints:
        scenario=r"[a-z][a-z0-9_]*",
    params:
        data=lambda wc: " ".join(
            f"--data {t}={d}/eval" for t, d in scenario_wf.eval_dirs(wc.scenario, wc.data).items()
        ),
        serial=lambda wc: " ".join(f"--{k} {CFG[k]}" for k in ("port", "baud") if CFG[k]),
    resources:
        **BOARD_LOCKS,
    localrule: True
    conda:
        "../../envs/runner.yaml"
    shell:
        "tinyperf scenario run {input.scenario} --board {wildcards.board} --firmware {input.fw} "
        "{params.data} {params.serial} -o {output.out} > {log} 2>&1"
