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
    wildcard_constraints:
        target="portable|cortex-m4|arc-em",
    conda:
        "../../envs/firmware.yaml"
    shell:
        "tinyperf codegen {input.tflite} -o {output.src} --name model --target {wildcards.target} > {log} 2>&1"


# A TFLM engine's model directory: the int8 model as an aligned array, a resolver of exactly its ops, and TFLM's
# side of model_invoke, behind the same model.h as tinyperf's generated C.
rule engine_codegen:
    input:
        tflite=layout.INT8,
        glue=glob.glob("firmware/engines/tflm/*.cc"),
        pins="config/engines.yaml",
        code=code("codegen.cli"),
    output:
        src=directory(layout.CODEGEN),
    log:
        "logs/codegen/{data}/{task}/{model}/{target}.log",
    wildcard_constraints:
        target="|".join(TFLM_ENGINES),
    conda:
        "../../envs/firmware.yaml"
    shell:
        "tinyperf codegen --engine {wildcards.target} {input.tflite} -o {output.src} > {log} 2>&1"
