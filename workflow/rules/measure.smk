# Latency and accuracy measured on the device over serial, with the MLPerf Tiny protocol and method.


rule measure:
    input:
        fw=f"{layout.RUN}/firmware",
        record=f"{layout.RUN}/flash.json",
        data=data_dir,
        code=code("runner.cli"),
    output:
        out=directory(f"{layout.RUN}/{{mode}}"),
    log:
        "logs/measure/{data}/{task}/{model}/{engine}/{board}/{mode}.log",
    wildcard_constraints:
        mode="performance|accuracy",
    params:
        eval_dir=lambda wc, input: f"{input.data}/eval",
        windows=CFG["runner"]["windows"],
        min_window_s=CFG["runner"]["min_window_s"],
        serial=lambda wc: " ".join(
            f"--{k} {CFG[k]}" for k in ("port", "baud") if CFG[k]
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


# Without the board: the same inference code, compiled with the board's flags, counted on qemu_m4.
rule estimate_firmware:
    input:
        src=codegen_dir,
        library=engine_library,
        engine_c=engine_firmware_files,
        dut=glob.glob("firmware/dut/*"),
        board_src=fwbuild.board_layer_files("qemu_m4"),
        profile=board_profile,
        task_profile=task_profile,
        code=code("firmware.cli"),
    output:
        fw=directory(f"{layout.RUN}/estimate_firmware"),
    log:
        "logs/estimate_firmware/{data}/{task}/{model}/{engine}/{board}.log",
    wildcard_constraints:
        board="|".join(ESTIMABLE),
        engine="|".join(engine_sources.engines()),
    params:
        library=library_option,
    conda:
        "../../envs/firmware.yaml"
    shell:
        "tinyperf build --board qemu_m4 --cflags-of {wildcards.board} --model {input.src} --task {wildcards.task} "
        "{params.library} -o {output.fw} > {log} 2>&1"


rule estimate:
    input:
        fw=f"{layout.RUN}/estimate_firmware",
        data=data_dir,
        code=code("runner.cli"),
    output:
        out=directory(f"{layout.RUN}/estimate"),
    log:
        "logs/estimate/{data}/{task}/{model}/{engine}/{board}.log",
    wildcard_constraints:
        board="|".join(ESTIMABLE),
    params:
        eval_dir=lambda wc, input: f"{input.data}/eval",
        windows=CFG["runner"]["windows"],
        min_window_s=CFG["runner"]["min_window_s"],
    resources:
        board_qemu_m4=1,
    localrule: True
    conda:
        "../../envs/runner.yaml"
    shell:
        "tinyperf run --board qemu_m4 --estimate-for {wildcards.board} --firmware {input.fw}/firmware.elf "
        "--mode performance --data {params.eval_dir} -o {output.out} --windows {params.windows} "
        "--min-window-s {params.min_window_s} > {log} 2>&1"


# Instructions per inference, MACs, arena and flash beside TFLM + CMSIS-NN's, with the per-layer breakdown, for the
# code a Cortex-M4 board runs; the summary and the report carry them.
rule bench:
    input:
        tflite=layout.INT8,
        runtime=glob.glob("firmware/runtime/*"),
        app=glob.glob("workflow/tinyperf/bench/c/*"),
        # the TFLM engines of this run, counted live beside tinyperf (none: the baseline table's figures)
        tflm=BENCH_LIBRARIES.values(),
        code=code("bench.cli"),
    output:
        json=layout.BENCH,
    log:
        "logs/bench/{data}/{task}/{model}/{target}.log",
    wildcard_constraints:
        target="cortex-m4|portable",
    params:
        tflm=" ".join(f"--tflm {e}={lib}" for e, lib in BENCH_LIBRARIES.items()),
    conda:
        "../../envs/firmware.yaml"
    shell:
        "tinyperf bench --board qemu_m4 --target {wildcards.target} --task {wildcards.task} --check --layers "
        "{params.tflm} --json {output.json} {input.tflite} > {log} 2>&1"
