"""The workflow on a real SLURM: profiles/slurm against a one-node cluster started on localhost (localslurm)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.cluster.localslurm import LocalSlurm, missing
from tests.workflow.smk import REPO_ROOT, demo_workdir, make_workdir, planned_jobs, snakemake

pytestmark = [pytest.mark.slow, pytest.mark.skipif(missing() is not None, reason=str(missing()))]

#: summary.csv columns that are timings (wall clock: the host board's latency, training time), not results
TIMINGS = {"latency_ms", "throughput_inf_s", "perf_min_window_s", "train_seconds",
           "model_latency_ms", "end_to_end_ms", "worst_finish_ms"}  # the last three: scenario rows
AD_ON_HOST = ("--configfile", "config/demo.yaml", "--config", "task=ad", "board=host", "estimate=[]",
              "scenario=null")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> LocalSlurm:
    with LocalSlurm(tmp_path_factory.mktemp("slurm")) as c:
        yield c


def node_profile(dest: Path, cluster: LocalSlurm) -> Path:
    """profiles/slurm fitted to the test node: no GPU, at most its CPUs and memory, quick status checks."""
    prof = yaml.safe_load((REPO_ROOT / "profiles" / "slurm" / "config.yaml").read_text())
    mem = cluster.memory_mb // 2
    for res in [prof["default-resources"], *prof["set-resources"].values()]:
        res.pop("gpu", None)
        res["cpus_per_task"] = min(int(res.get("cpus_per_task", 1)), cluster.cpus)
        res["mem_mb"] = min(int(res.get("mem_mb", mem)), mem)
    prof["set-threads"] = {rule: min(n, cluster.cpus) for rule, n in prof["set-threads"].items()}
    prof["latency-wait"] = 10
    prof["slurm-init-seconds-before-status-checks"] = 1
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "config.yaml").write_text(yaml.safe_dump(prof))
    return dest


def submitted_rules(cluster: LocalSlurm, workdir: Path) -> dict[str, list[str]]:
    """rule -> the SLURM states of its jobs, from sacct (the executor names each job's rule in its comment)."""
    out: dict[str, list[str]] = {}
    for job in cluster.jobs():
        if job["comment"].startswith("rule_") and job["workdir"] == str(workdir):
            rule = job["comment"][len("rule_"):].split("_wildcards_")[0]
            out.setdefault(rule, []).append(job["state"].split()[0])  # "CANCELLED by 0" -> CANCELLED
    return out


def test_demo_through_slurm_matches_a_local_run(demo: Path, cluster: LocalSlurm,
                                                tmp_path_factory: pytest.TempPathFactory) -> None:
    wd = demo_workdir(tmp_path_factory.mktemp("demo-slurm"))  # as the local demo's, so provenance agrees
    prof = node_profile(wd / ".test-profile", cluster)
    snakemake(wd, "--profile", str(prof), "--configfile", "config/demo.yaml", env=cluster.env, timeout=3 * 3600)
    rules = submitted_rules(cluster, wd)
    assert {"synth_dataset", "prepare", "train", "quantize", "codegen", "firmware"} <= set(rules), rules
    assert all(s == "COMPLETED" for states in rules.values() for s in states), rules
    # the board's rules ran on the submitting host, never through sbatch
    assert not {"flash", "measure", "estimate", "scenario_run"} & set(rules), rules
    local = pd.read_csv(demo / "results" / "synth" / "train" / "summary.csv")
    remote = pd.read_csv(wd / "results" / "synth" / "train" / "summary.csv")
    keep = [c for c in local.columns if c not in TIMINGS]
    pd.testing.assert_frame_equal(local[keep], remote[keep])


def test_a_cancelled_job_is_rerun_and_nothing_else(cluster: LocalSlurm,
                                                   tmp_path_factory: pytest.TempPathFactory) -> None:
    wd = make_workdir(tmp_path_factory.mktemp("cancel-slurm"))
    prof = node_profile(wd / ".test-profile", cluster)
    cmd = [sys.executable, "-m", "snakemake", "--profile", str(prof), *AD_ON_HOST]
    with open(wd / "first.log", "w") as log:
        proc = subprocess.Popen(cmd, cwd=wd, env=cluster.env, stdout=log, stderr=subprocess.STDOUT)
        try:
            victim = None
            deadline = time.monotonic() + 900
            while victim is None and time.monotonic() < deadline and proc.poll() is None:
                running = [j for j in cluster.queue()
                           if j["state"] == "RUNNING" and j["comment"].startswith("rule_train")]
                victim = running[0]["id"] if running else None
                time.sleep(0.3)
            assert victim is not None, (wd / "first.log").read_text()[-3000:]
            cluster.run("scancel", victim)
            assert proc.wait(timeout=600) != 0
        finally:
            if proc.poll() is None:
                proc.kill()
    text = (wd / "first.log").read_text()
    assert "Error in rule train" in text, text[-3000:]
    run = wd / "results" / "synth" / "ad" / "train"
    # nothing half-written under a final name (training writes atomically; Snakemake removes a failed job's outputs)
    assert not [p.name for p in run.glob("*") if p.name in ("float.keras", "history.json", "train.json")]
    # the rerun does the cancelled job and what follows it; what finished before is kept
    plan = planned_jobs(wd, "--profile", str(prof), *AD_ON_HOST)
    assert plan["train"] == 1 and "synth_dataset" not in plan and "prepare" not in plan, plan
    snakemake(wd, "--profile", str(prof), *AD_ON_HOST, env=cluster.env)
    states = submitted_rules(cluster, wd)["train"]
    assert sorted(states) == ["CANCELLED", "COMPLETED"], states
    assert (wd / "results" / "synth" / "train" / "summary.csv").exists()
