# Results people can read: the summary table, the figures of `snakemake --report report.html`, and the MLPerf
# Tiny submission tree. One set per data source and model source, over the configured tasks x boards.
from tinyperf.report import layout
from tinyperf.report.provenance import config_hash


report: "../report/workflow.rst"


CONFIG_HASH = config_hash(CFG)
REPORT = "results/{data}/{model}"
PLOTS = layout.plot_files(TASKS, BOARDS, trained=MODEL == "train")


def report_runs(wildcards):
    return [f"results/{wildcards.data}/{t}/{wildcards.model}/{b}" for t in TASKS for b in BOARDS]


def measured(wildcards):
    return [f"{run}/{mode}" for run in report_runs(wildcards) for mode in ("performance", "accuracy")]


def host_accuracy(wildcards):
    return [f"results/{wildcards.data}/{t}/{wildcards.model}/accuracy_host.json" for t in TASKS]


def plot(name, caption, category, subcategory=None, **labels):
    return report(f"{REPORT}/plots/{name}", caption=f"../report/{caption}", category=category,
                  subcategory=subcategory, labels=labels or None)


rule summary:
    input:
        measured=measured,
        host=host_accuracy,
        code=lib("report"),
    output:
        csv=f"{REPORT}/summary.csv",
        html=report(f"{REPORT}/summary.html", caption="../report/summary.rst", category="1. Summary",
                    labels={"table": "task x board"}),
    log:
        "logs/report/{data}/{model}/summary.log",
    params:
        runs=lambda wc: " ".join(report_runs(wc)),
        config_hash=CONFIG_HASH,
    conda:
        "../../envs/report.yaml"
    shell:
        "tinyperf report summary {params.runs} -o {output.csv} --html {output.html} "
        "--config-hash {params.config_hash} > {log} 2>&1"


rule plots:
    input:
        measured=measured,
        host=host_accuracy,
        code=lib("report"),
    output:
        latency=plot("latency.png", "latency.rst", "2. Latency", figure="latency per board and task"),
        accuracy=plot("accuracy.png", "accuracy.rst", "3. Accuracy", figure="float -> int8 -> device"),
        memory=plot("memory.png", "memory.rst", "4. Memory", figure="flash and RAM vs limits"),
        training=[plot(layout.training(t), "training.rst", "5. Training", t, task=t) for t in TASKS
                  if layout.training(t) in PLOTS["training"]],
        confusion=[plot(layout.confusion(t, b), "confusion.rst", "6. Confusion matrices", t, task=t, board=b)
                   for t in TASKS if t != "ad" for b in BOARDS],
        roc=[plot(layout.roc(b), "roc.rst", "7. ROC (ad)", "ad", task="ad", board=b) for b in BOARDS
             if "ad" in TASKS],
    log:
        "logs/report/{data}/{model}/plots.log",
    params:
        runs=lambda wc: " ".join(report_runs(wc)),
        out=f"{REPORT}/plots",
        config_hash=CONFIG_HASH,
    conda:
        "../../envs/report.yaml"
    shell:
        "MPLBACKEND=Agg tinyperf report plots {params.runs} -o {params.out} "
        "--config-hash {params.config_hash} > {log} 2>&1"


rule submission:
    input:
        measured=measured,
        host=host_accuracy,
        code=lib("report", "submission"),
    output:
        tree=directory(f"{REPORT}/submission"),
    log:
        "logs/report/{data}/{model}/submission.log",
    params:
        runs=lambda wc: " ".join(report_runs(wc)),
        config_hash=CONFIG_HASH,
    conda:
        "../../envs/report.yaml"
    shell:
        # The checker's verdict goes to the log; `tinyperf submission check DIR` is the gate before submitting.
        "tinyperf submission build {params.runs} -o {output.tree} --config-hash {params.config_hash} "
        "> {log} 2>&1"


def report_targets():
    """What `rule all` asks of this file for the configured selection."""
    base = f"results/{DATA}/{MODEL}"
    plots = [f"{base}/plots/{name}" for names in PLOTS.values() for name in names]
    return [f"{base}/summary.csv", f"{base}/summary.html", f"{base}/submission", *plots]
