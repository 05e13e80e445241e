# Results people can read: the summary table, the figures of `snakemake --report report.html`, and the MLPerf
# Tiny submission tree. One set per data source and model source, over the configured tasks x boards.
# `rule all` asks for report_layout.targets(DATA, MODEL, TASKS, BOARDS).
from tinyperf.report import layout as report_layout
from tinyperf.scenario import report as scenario_report
from tinyperf.report.provenance import config_hash


report: "../report/workflow.rst"


CONFIG_HASH = config_hash(CFG)
REPORT = layout.REPORT
TRAINED_PLOTS = report_layout.plot_files(TASKS, BOARDS, trained=MODEL == "train")["training"]
BENCH_PLOTS = report_layout.plot_files(TASKS, BOARDS, bench=bool(BENCH_BOARDS))["bench"]
ENGINE_PLOTS = report_layout.plot_files(TASKS, BOARDS, engines=ENGINES)["engines"]


rule summary:
    input:
        measured=lambda wc: report_layout.measured(wc.data, wc.model, TASKS, BOARDS, ESTIMATES, ENGINES),
        host=lambda wc: report_layout.host_accuracy(wc.data, wc.model, TASKS),
        # multi-DNN scenario runs (scenario.smk, included after this file: SCENARIOS is read when jobs are made)
        scenarios=lambda wc: [f"{d}/run" for d in scenario_report.run_dirs(wc.data, wc.model, SCENARIOS, BOARDS)],
        bench=bench_files,
        # the figures summary.html shows inline
        figures=[f"{REPORT}/plots/{name}" for name in (*report_layout.OVERVIEW, *BENCH_PLOTS, *ENGINE_PLOTS)],
        code=code("report.cli"),
    output:
        csv=f"{REPORT}/summary.csv",
        html=report(
            f"{REPORT}/summary.html",
            caption="../report/summary.rst",
            category="1. Summary",
            labels={"table": "task x board"},
        ),
    log:
        "logs/report/{data}/{model}/summary.log",
    params:
        runs=lambda wc: " ".join(report_layout.run_dirs(wc.data, wc.model, TASKS, BOARDS, ESTIMATES, ENGINES)),
        scenarios=lambda wc: (
            "--scenario " + " ".join(scenario_report.run_dirs(wc.data, wc.model, SCENARIOS, BOARDS))
            if SCENARIOS
            else ""
        ),
        config_hash=CONFIG_HASH,
    conda:
        "../../envs/report.yaml"
    shell:
        "tinyperf report summary {params.runs} {params.scenarios} -o {output.csv} --html {output.html} "
        "--plots {input.figures} --config-hash {params.config_hash} > {log} 2>&1"


rule plots:
    input:
        measured=lambda wc: report_layout.measured(wc.data, wc.model, TASKS, BOARDS, ESTIMATES, ENGINES),
        host=lambda wc: report_layout.host_accuracy(wc.data, wc.model, TASKS),
        bench=bench_files,
        code=code("report.cli"),
    output:
        latency=report(
            f"{REPORT}/plots/latency.png",
            caption="../report/latency.rst",
            category="2. Latency",
            labels={"figure": "latency per board and task"},
        ),
        accuracy=report(
            f"{REPORT}/plots/accuracy.png",
            caption="../report/accuracy.rst",
            category="3. Accuracy",
            labels={"figure": "float -> int8 -> device"},
        ),
        memory=report(
            f"{REPORT}/plots/memory.png",
            caption="../report/memory.rst",
            category="4. Memory",
            labels={"figure": "flash and RAM vs limits"},
        ),
        bench=[
            report(
                f"{REPORT}/plots/{name}",
                caption="../report/bench.rst",
                category="8. Cortex-M4 bench",
                labels={"figure": "instructions, arena, flash vs TFLM + CMSIS-NN"},
            )
            for name in BENCH_PLOTS
        ],
        engines=[
            report(
                f"{REPORT}/plots/{name}",
                caption="../report/engines.rst",
                category="9. Engines",
                labels={"figure": "engines side by side per board"},
            )
            for name in ENGINE_PLOTS
        ],
        training=[
            report(
                f"{REPORT}/plots/{report_layout.training(t)}",
                caption="../report/training.rst",
                category="5. Training",
                subcategory=t,
                labels={"task": t},
            )
            for t in TASKS
            if report_layout.training(t) in TRAINED_PLOTS
        ],
        confusion=[
            report(
                f"{REPORT}/plots/{report_layout.confusion(t, b)}",
                caption="../report/confusion.rst",
                category="6. Confusion matrices",
                subcategory=t,
                labels={"task": t, "board": b},
            )
            for t in TASKS
            if t != "ad"
            for b in BOARDS
        ],
        roc=[
            report(
                f"{REPORT}/plots/{report_layout.roc(b)}",
                caption="../report/roc.rst",
                category="7. ROC (ad)",
                subcategory="ad",
                labels={"task": "ad", "board": b},
            )
            for b in BOARDS
            if "ad" in TASKS
        ],
    log:
        "logs/report/{data}/{model}/plots.log",
    params:
        runs=lambda wc: " ".join(report_layout.run_dirs(wc.data, wc.model, TASKS, BOARDS, ESTIMATES, ENGINES)),
        out=f"{REPORT}/plots",
        config_hash=CONFIG_HASH,
    conda:
        "../../envs/report.yaml"
    shell:
        "MPLBACKEND=Agg tinyperf report plots {params.runs} -o {params.out} "
        "--config-hash {params.config_hash} > {log} 2>&1"


rule submission:
    input:
        measured=lambda wc: report_layout.measured(wc.data, wc.model, TASKS, BOARDS, ESTIMATES, ENGINES),
        host=lambda wc: report_layout.host_accuracy(wc.data, wc.model, TASKS),
        code=code("submission.cli"),
    output:
        tree=directory(f"{REPORT}/submission"),
    log:
        "logs/report/{data}/{model}/submission.log",
    params:
        runs=lambda wc: " ".join(report_layout.run_dirs(wc.data, wc.model, TASKS, BOARDS, ESTIMATES, ENGINES)),
        config_hash=CONFIG_HASH,
    conda:
        "../../envs/report.yaml"
    shell:
        # The checker's verdict goes to the log; `tinyperf submission check DIR` is the gate before submitting.
        "tinyperf submission build {params.runs} -o {output.tree} --config-hash {params.config_hash} "
        "> {log} 2>&1"
