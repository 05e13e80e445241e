# Download (real URLs, or file:// archives of the synthetic generator), safe extraction, reference features,
# calibration set and the MLPerf evaluation files; or, with eval_data, the official evaluation files checked.


rule synth_dataset:
    input:
        code=code("datasets.synth"),
    output:
        manifest="resources/synth/{task}/manifest.yaml",
    log:
        "logs/synth_dataset/{task}.log",
    wildcard_constraints:
        task=DATA_TASKS,
    params:
        seed=CFG["seed"],
        out=subpath(output.manifest, parent=True),
    conda:
        "../../envs/datasets.yaml"
    shell:
        "tinyperf dataset synth {wildcards.task} -o {params.out} --seed {params.seed} > {log} 2>&1"


rule download:
    input:
        manifest=manifest,
        code=code("datasets.download"),
    output:
        # The archives sit beside this record, undeclared, so that Snakemake never deletes a partial
        # download before a retry: the downloader resumes it.
        record="resources/downloads/{data}/{task}/verified.json",
    log:
        "logs/download/{data}/{task}.log",
    wildcard_constraints:
        task=DATA_TASKS,
    params:
        out=subpath(output.record, parent=True),
    retries: 2
    # the network: a cluster's compute nodes often have none, the submitting host does
    localrule: True
    conda:
        "../../envs/datasets.yaml"
    shell:
        "tinyperf dataset download --manifest {input.manifest} -o {params.out} --record {output.record} "
        "> {log} 2>&1"


rule extract:
    input:
        manifest=manifest,
        record="resources/downloads/{data}/{task}/verified.json",
        code=code("datasets.extract"),
    output:
        raw=directory("resources/raw/{data}/{task}"),
    log:
        "logs/extract/{data}/{task}.log",
    wildcard_constraints:
        task=DATA_TASKS,
    params:
        downloads=subpath(input.record, parent=True),
    conda:
        "../../envs/datasets.yaml"
    shell:
        "tinyperf dataset extract --manifest {input.manifest} --downloads {params.downloads} -o {output.raw} "
        "> {log} 2>&1"


rule prepare:
    input:
        raw="resources/raw/{data}/{task}",
        profile=task_profile,
        code=code("datasets.prepare"),
    output:
        data=directory(layout.DATA),
    log:
        "logs/prepare/{data}/{task}.log",
    wildcard_constraints:
        task=DATA_TASKS,
        data="real|synth",
    params:
        eval_limit=lambda wc: f"--eval-limit {n}" if (n := tpconfig.eval_limit(CFG, wc.task)) else "",
        seed=CFG["seed"],
    threads: 2
    conda:
        "../../envs/tensorflow.yaml"
    shell:
        "tinyperf dataset prepare {wildcards.task} --raw {input.raw} -o {output.data} {params.eval_limit} "
        "--seed {params.seed} > {log} 2>&1"


rule official_eval:
    input:
        files=official_inputs,
        selection=lambda wc: f"datasets/selections/{profiles.task(wc.task)['evaluation']['set']}_y_labels.csv",
        profile=task_profile,
        code=code("datasets.official"),
    output:
        data=directory(layout.fill(layout.DATA, data=tpconfig.OFFICIAL_DATA)),
    log:
        "logs/official_eval/{task}.log",
    wildcard_constraints:
        task=DATA_TASKS,
    params:
        eval_data=CFG["eval_data"],
    conda:
        "../../envs/datasets.yaml"
    shell:
        # The official files, checked against the official selection list (first mismatch named), then copied:
        # no download, no training data.
        "tinyperf dataset official {wildcards.task} --eval-data {params.eval_data} -o {output.data} > {log} 2>&1"
