# Float models: trained from scratch with the reference recipe, or the official MLCommons fp32 weights
# (model=reference-ptq; model=reference takes the official int8 files instead: quantize.smk).


rule train:
    input:
        data=data_dir,
        profile=task_profile,
        code=code("training.cli"),
    output:
        model=layout.fill(layout.FLOAT, model="train"),
        history=layout.fill(layout.HISTORY, model="train"),
        summary=layout.fill(layout.TRAIN_SUMMARY, model="train"),
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
        model=layout.fill(layout.FLOAT, model="reference-ptq"),
        summary=layout.fill(layout.REFERENCE_SUMMARY, model="reference-ptq"),
    log:
        "logs/reference_model/{data}/{task}.log",
    params:
        out=subpath(output.model, parent=True),
    retries: 2
    # the network: a cluster's compute nodes often have none, the submitting host does
    localrule: True
    conda:
        "../../envs/tensorflow.yaml"
    shell:
        # Downloads are kept in resources/reference/<task>/ (resumable, shared by every data source).
        "tinyperf train {wildcards.task} --reference --downloads resources/reference -o {params.out} > {log} 2>&1"
