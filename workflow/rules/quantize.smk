# Full-int8 models (int8 input and output) and their host accuracy, float beside int8.


rule quantize:
    input:
        model=float_model,
        data="results/{data}/{task}/data",
        profile=task_profile,
        code=code("quantize.cli"),
    output:
        tflite="results/{data}/{task}/{model}/int8.tflite",
        summary="results/{data}/{task}/{model}/quantize.json",
    log:
        "logs/quantize/{data}/{task}/{model}.log",
    wildcard_constraints:
        model="train|reference",
    params:
        method=CFG["quantization"]["method"],
        calibration=(
            f"--calibration-size {CFG['quantization']['calibration_size']}"
            if CFG["quantization"]["calibration_size"]
            else ""
        ),
        qat_epochs=CFG["quantization"]["qat_epochs"],
        seed=CFG["seed"],
        out=subpath(output.tflite, parent=True),
    threads: workflow.cores
    conda:
        "../../envs/tensorflow.yaml"
    shell:
        "{TINYPERF} quantize {wildcards.task} --model {input.model} --data {input.data} -o {params.out} "
        "--method {params.method} {params.calibration} --qat-epochs {params.qat_epochs} "
        "--seed {params.seed} --threads {threads} > {log} 2>&1"


rule import_model:
    input:
        tflite=CFG["model"] if MODEL.startswith("byom-") else [],
        code=code("quantize.cli"),
    output:
        tflite="results/{data}/{task}/{model}/int8.tflite",
        summary="results/{data}/{task}/{model}/quantize.json",
    log:
        "logs/import_model/{data}/{task}/{model}.log",
    wildcard_constraints:
        model=r"byom-[0-9a-f]{12}",
    params:
        out=subpath(output.tflite, parent=True),
    conda:
        "../../envs/tensorflow.yaml"
    shell:
        # A user's own model: refused unless it is full-int8 with the task's input size, then copied in.
        "{TINYPERF} quantize {wildcards.task} --import {input.tflite} -o {params.out} > {log} 2>&1"


rule evaluate_host:
    input:
        tflite="results/{data}/{task}/{model}/int8.tflite",
        float_model=float_model_if_any,
        data="results/{data}/{task}/data",
        code=code("evaluate.cli"),
    output:
        report="results/{data}/{task}/{model}/accuracy_host.json",
    log:
        "logs/evaluate_host/{data}/{task}/{model}.log",
    params:
        float_arg=lambda wc, input: f"--float {input.float_model}" if input.float_model else "",
        eval_dir=lambda wc, input: f"{input.data}/eval",
    threads: 2
    conda:
        "../../envs/tensorflow.yaml"
    shell:
        "{TINYPERF} evaluate {wildcards.task} --int8 {input.tflite} {params.float_arg} --data {params.eval_dir} "
        "-o {output.report} --threads {threads} > {log} 2>&1"
