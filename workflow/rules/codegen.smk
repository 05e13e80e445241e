# The int8 model compiled to standalone C (weights in flash, a planned static arena, no interpreter).


rule codegen:
    input:
        tflite=layout.INT8,
        runtime=glob.glob("firmware/runtime/*"),
        code=code("codegen.cli"),
    output:
        src=directory(layout.CODEGEN),
    log:
        "logs/codegen/{data}/{task}/{model}/{target}.log",
    conda:
        "../../envs/firmware.yaml"
    shell:
        "tinyperf codegen {input.tflite} -o {output.src} --name model --target {wildcards.target} > {log} 2>&1"
