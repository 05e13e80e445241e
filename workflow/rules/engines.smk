# The inference engines beside tinyperf's compiler (config/engines.yaml): their pinned sources, fetched and checked
# against each commit's git tree hash, and each TFLM engine compiled once per board into libtflm.a, which every
# task's firmware for that board links.


rule engine_source:
    input:
        pins="config/engines.yaml",
        code=code("engines.cli"),
    output:
        record=layout.ENGINE_SOURCE,
    log:
        "logs/engines/source/{source}.log",
    wildcard_constraints:
        source="|".join(engine_sources.all_sources()),
    params:
        mirror=f"--mirror {CFG['engine_sources']}" if CFG["engine_sources"] else "",
    # the network: a cluster's compute nodes often have none, the submitting host does
    localrule: True
    conda:
        "../../envs/datasets.yaml"
    shell:
        "tinyperf engine fetch {wildcards.source} --root resources/engines {params.mirror} > {log} 2>&1"


rule engine_library:
    input:
        sources=engine_source_records,
        pins="config/engines.yaml",
        profile=lambda wc: f"config/boards/{board_of_key(wc.toolchain)}.yaml",
        code=code("engines.cli"),
    output:
        lib=directory(layout.ENGINE_LIBRARY),
    log:
        "logs/engines/library/{engine}/{toolchain}.log",
    wildcard_constraints:
        engine="|".join(TFLM_ENGINES),
    params:
        board=lambda wc: board_of_key(wc.toolchain),
    threads: workflow.cores
    conda:
        "../../envs/firmware.yaml"
    shell:
        "tinyperf engine library --engine {wildcards.engine} --board {params.board} --root resources/engines "
        "-j {threads} "
        "-o {output.lib} > {log} 2>&1"
