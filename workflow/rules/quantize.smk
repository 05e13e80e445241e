# Full-int8 models (int8 input and output) and their host accuracy, float beside int8.


rule quantize:
    input:
        model=float_model,
        data=data_dir,
        profile=task_profile,
        code=code("quantize.cli"),
    output:
        tflite=layout.INT8,
        summary=layout.QUANTIZE,
    log:
        "logs/quantize/{data}/{task}/{model}.log",
    wildcard_constraints:
        model="train|reference-ptq",
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
        "tinyperf quantize {wildcards.task} --model {input.model} --data {input.data} -o {params.out} "
        "--method {params.method} {params.calibration} --qat-epochs {params.qat_epochs} "
        "--seed {params.seed} --threads {threads} > {log} 2>&1"


rule reference_int8:
    input:
        manifest="datasets/reference_int8/{task}.yaml",
        code=code("datasets.download"),
    output:
        # the .tflite sits beside this record, undeclared, so that a partial download is resumed, never deleted
        record="resources/reference_int8/{task}/verified.json",
    log:
        "logs/reference_int8/{task}.log",
    params:
        out=subpath(output.record, parent=True),
        mirror=f"--mirror {CFG['reference_models']}" if CFG["reference_models"] else "",
    retries: 2
    # the network: a cluster's compute nodes often have none, the submitting host does
    localrule: True
    conda:
        "../../envs/datasets.yaml"
    shell:
        # The official int8 model from mlcommons/tiny at the pinned commit (or a local mirror over file://), its
        # sha256 and md5 checked against the manifest's.
        "tinyperf dataset download --manifest {input.manifest} -o {params.out} --record {output.record} "
        "{params.mirror} > {log} 2>&1"


rule import_model:
    input:
        tflite=model_to_import,
        code=code("quantize.cli"),
    output:
        tflite=layout.INT8,
        summary=layout.QUANTIZE,
    log:
        "logs/import_model/{data}/{task}/{model}.log",
    wildcard_constraints:
        model=r"reference|byom-[0-9a-f]{12}",
    params:
        out=subpath(output.tflite, parent=True),
        tflite=lambda wc, input: reference_int8_file(wc.task) if wc.model == "reference" else input.tflite,
        official="--official" if MODEL == "reference" else "",
    conda:
        "../../envs/tensorflow.yaml"
    shell:
        # An int8 model given as such (official, or the user's own): refused unless it is full-int8 with the
        # task's input size, then copied in.
        "tinyperf quantize {wildcards.task} --import {params.tflite} {params.official} -o {params.out} "
        "> {log} 2>&1"


rule evaluate_host:
    input:
        tflite=layout.INT8,
        float_model=float_model_if_any,
        data=data_dir,
        code=code("evaluate.cli"),
    output:
        report=layout.HOST_ACCURACY,
    log:
        "logs/evaluate_host/{data}/{task}/{model}.log",
    params:
        float_arg=lambda wc, input: f"--float {input.float_model}" if input.float_model else "",
        eval_dir=lambda wc, input: f"{input.data}/eval",
    threads: 2
    conda:
        "../../envs/tensorflow.yaml"
    shell:
        "tinyperf evaluate {wildcards.task} --int8 {input.tflite} {params.float_arg} --data {params.eval_dir} "
        "-o {output.report} --threads {threads} > {log} 2>&1"
