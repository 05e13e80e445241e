# Float models: trained from scratch with the reference recipe, or the official MLCommons fp32 weights.


rule train:
    input:
        data="results/{data}/{task}/data",
        profile=task_profile,
        code=lib("training", "datasets", "tfenv"),
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
