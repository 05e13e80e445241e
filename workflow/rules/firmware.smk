# Firmware for a board: the generated model, the MLPerf DUT protocol and the board layer, with a memory
# report against the board's limits (the build fails with the numbers when the model does not fit).
# The board layer is the board's folder and the shared ones its profile names (firmware.shared).
from tinyperf.firmware import build as fwbuild


rule firmware:
    input:
        src=codegen_dir,
        library=engine_library,
        engine_c=engine_firmware_files,
        dut=glob.glob("firmware/dut/*"),
        board_src=lambda wc: fwbuild.board_layer_files(wc.board),
        profile=board_profile,
        task_profile=task_profile,
        code=code("firmware.cli"),
    output:
        fw=directory(f"{layout.RUN}/firmware"),
    log:
        "logs/firmware/{data}/{task}/{model}/{engine}/{board}.log",
    wildcard_constraints:
        engine="|".join(engine_sources.engines()),
    params:
        library=library_option,
    conda:
        "../../envs/firmware.yaml"
    shell:
        "tinyperf build --board {wildcards.board} --model {input.src} --task {wildcards.task} {params.library} "
        "-o {output.fw} > {log} 2>&1"


# A user's prebuilt image (config firmware=PATH) in place of a build: checked, sized, recorded with its engine.
if PREBUILT:

    rule prebuilt_firmware:
        input:
            image=CFG["firmware"],
            profile=board_profile,
            code=code("firmware.cli"),
        output:
            fw=directory(f"{layout.RUN}/firmware"),
        log:
            "logs/firmware/{data}/{task}/{model}/{engine}/{board}.log",
        wildcard_constraints:
            engine=re.escape(PREBUILT),
        conda:
            "../../envs/firmware.yaml"
        shell:
            "tinyperf build --board {wildcards.board} --task {wildcards.task} --prebuilt {input.image} "
            "--engine {wildcards.engine} -o {output.fw} > {log} 2>&1"


rule flash:
    input:
        fw=f"{layout.RUN}/firmware",
        estimate=estimate_before_flash,
        profile=board_profile,
        code=code("flash.cli"),
    output:
        record=f"{layout.RUN}/flash.json",
    log:
        "logs/flash/{data}/{task}/{model}/{engine}/{board}.log",
    params:
        # Boards flashed through a bootloader port other than the measurement UART (nano33ble: /dev/ttyACM0)
        # take flash_port; otherwise the measurement port, or detection by USB id.
        port=lambda wc: (
            f"--port {CFG['flash_port'] or CFG['port']}"
            if CFG["flash_port"] or CFG["port"]
            else ""
        ),
    resources:
        **BOARD_LOCKS,
    localrule: True
    conda:
        "../../envs/runner.yaml"
    shell:
        "tinyperf flash --board {wildcards.board} --task {wildcards.task} --firmware {input.fw} {params.port} "
        "-o {output.record} "
        "> {log} 2>&1"
