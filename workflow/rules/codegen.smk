# The int8 model compiled to standalone C (weights in flash, a planned static arena, no interpreter).


rule codegen:
    input:
        tflite="results/{data}/{task}/{model}/int8.tflite",
        runtime=glob.glob("firmware/runtime/*"),
        code=code("codegen.cli"),
    output:
        src=directory("results/{data}/{task}/{model}/codegen/{target}"),
    log:
        "logs/codegen/{data}/{task}/{model}/{target}.log",
    conda:
        "../../envs/firmware.yaml"
    shell:
        "tinyperf codegen {input.tflite} -o {output.src} --name model --target {wildcards.target} > {log} 2>&1"
