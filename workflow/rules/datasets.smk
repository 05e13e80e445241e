# Download (real URLs, or file:// archives of the synthetic generator), safe extraction, reference features,
# calibration set and the MLPerf evaluation files.


rule synth_dataset:
    input:
        code=code("datasets.synth"),
    output:
        manifest="resources/synth/{task}/manifest.yaml",
    log:
        "logs/synth_dataset/{task}.log",
    params:
        seed=CFG["seed"],
        out=subpath(output.manifest, parent=True),
    conda:
        "../../envs/datasets.yaml"
    shell:
        "{TINYPERF} dataset synth {wildcards.task} -o {params.out} --seed {params.seed} > {log} 2>&1"


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
    params:
        out=subpath(output.record, parent=True),
    retries: 2
    conda:
        "../../envs/datasets.yaml"
    shell:
        "{TINYPERF} dataset download --manifest {input.manifest} -o {params.out} --record {output.record} "
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
    params:
        downloads=subpath(input.record, parent=True),
    conda:
        "../../envs/datasets.yaml"
    shell:
        "{TINYPERF} dataset extract --manifest {input.manifest} --downloads {params.downloads} -o {output.raw} "
        "> {log} 2>&1"


rule prepare:
    input:
        raw="resources/raw/{data}/{task}",
        profile=task_profile,
        code=code("datasets.prepare"),
    output:
        data=directory("results/{data}/{task}/data"),
    log:
        "logs/prepare/{data}/{task}.log",
    params:
        eval_limit=lambda wc: f"--eval-limit {n}" if (n := tpconfig.eval_limit(CFG, wc.task)) else "",
        seed=CFG["seed"],
    threads: 2
    conda:
        "../../envs/tensorflow.yaml"
    shell:
        "{TINYPERF} dataset prepare {wildcards.task} --raw {input.raw} -o {output.data} {params.eval_limit} "
        "--seed {params.seed} > {log} 2>&1"
