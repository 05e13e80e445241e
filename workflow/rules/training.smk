# Float models: trained from scratch with the reference recipe, or the official MLCommons fp32 weights
# (model=reference-ptq; model=reference takes the official int8 files instead: quantize.smk).


rule train:
    input:
        data=data_dir,
        profile=task_profile,
        code=code("training.cli"),
    output:
        model="results/{data}/{task}/train/float.keras",
        history="results/{data}/{task}/train/history.json",
        summary="results/{data}/{task}/train/train.json",
    log:
        "logs/train/{data}/{task}.log",
    params:
        epochs=epochs,
        seed=CFG["seed"],
        out=subpath(output.model, parent=True),
    threads: workflow.cores
    conda:
        "../../envs/tensorflow.yaml"
    shell:
        "tinyperf train {wildcards.task} --data {input.data} -o {params.out} --epochs {params.epochs} "
        "--seed {params.seed} --threads {threads} > {log} 2>&1"


rule reference_model:
    input:
        manifest="datasets/reference_fp32/{task}.yaml",
        code=code("training.cli"),
    output:
        model="results/{data}/{task}/reference-ptq/float.keras",
        summary="results/{data}/{task}/reference-ptq/reference.json",
    log:
        "logs/reference_model/{data}/{task}.log",
    params:
        out=subpath(output.model, parent=True),
    retries: 2
    conda:
        "../../envs/tensorflow.yaml"
    shell:
        # Downloads are kept in resources/reference/<task>/ (resumable, shared by every data source).
        "tinyperf train {wildcards.task} --reference --downloads resources/reference -o {params.out} > {log} 2>&1"
