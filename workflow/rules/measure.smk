# Latency and accuracy measured on the device over serial, with the MLPerf Tiny protocol and method.


rule measure:
    input:
        fw="results/{data}/{task}/{model}/{board}/firmware",
        record="results/{data}/{task}/{model}/{board}/flash.json",
        data="results/{data}/{task}/data",
        code=lib("runner", "codec", "datasets"),
    output:
        out=directory("results/{data}/{task}/{model}/{board}/{mode}"),
    log:
        "logs/measure/{data}/{task}/{model}/{board}/{mode}.log",
    wildcard_constraints:
        mode="performance|accuracy",
    params:
        eval_dir=lambda wc, input: f"{input.data}/eval",
        windows=CFG["runner"]["windows"],
        min_window_s=CFG["runner"]["min_window_s"],
        serial=lambda wc: " ".join(
            f"--{k} {CFG['runner'][k]}" for k in ("port", "baud") if CFG["runner"][k]
        ),
    resources:
        **BOARD_LOCKS,
    localrule: True
    conda:
        "../../envs/runner.yaml"
    shell:
        "tinyperf run --board {wildcards.board} --firmware {input.fw}/firmware.elf "
        "--mode {wildcards.mode} --data {params.eval_dir} -o {output.out} --windows {params.windows} "
        "--min-window-s {params.min_window_s} {params.serial} > {log} 2>&1"
