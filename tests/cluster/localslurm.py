"""A real one-node SLURM cluster on localhost, for the tests: munged, MariaDB, slurmdbd, slurmctld and slurmd from
Debian (slurm-wlm 22.05, slurmdbd, munge, mariadb-server-core), each on its own socket or port under one directory,
started in the foreground and killed afterwards. Clients (sbatch, sacct, scancel, Snakemake's slurm executor)
find it through SLURM_CONF. Needs root: slurmd starts job steps as the submitting user.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

DAEMONS = ("munged", "mariadbd", "mariadb-install-db", "slurmdbd", "slurmctld", "slurmd", "sbatch", "sacct",
           "sacctmgr", "scancel")
APT = "apt-get install slurm-wlm slurmdbd munge mariadb-server-core mariadb-client-core"
CLUSTER = "tinyperf"
#: where srun looks when SLURM_CONF is unset: the slurm-jobstep executor strips SLURM_* (SLURM_CONF too) from the
#: srun it runs inside each job, so the cluster's configuration is linked here for the cluster's lifetime
DEFAULT_CONF = Path("/etc/slurm/slurm.conf")
ACCOUNT = "tinyperf"


def missing() -> str | None:
    """Why a local cluster cannot start here, or None."""
    absent = [d for d in DAEMONS if shutil.which(d) is None and not Path(f"/usr/sbin/{d}").exists()]
    if absent:
        return f"{', '.join(absent)} not found: {APT}"
    if os.geteuid() != 0:
        return "a local SLURM node needs root (slurmd runs jobs as their user)"
    if DEFAULT_CONF.exists() or DEFAULT_CONF.is_symlink():
        return f"{DEFAULT_CONF} exists: this machine has a SLURM of its own, which the test leaves alone"
    return None


def _tool(name: str) -> str:
    return shutil.which(name) or f"/usr/sbin/{name}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalSlurm:
    def __init__(self, root: Path, cpus: int | None = None, memory_mb: int | None = None) -> None:
        self.root = root
        self.host = socket.gethostname().split(".")[0]
        self.cpus = cpus or os.cpu_count() or 1
        total_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1 << 20)
        self.memory_mb = memory_mb or max(1024, total_mb - 2048)
        self.procs: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.conf = root / "etc" / "slurm.conf"
        # Slurm's clients reach munged at its default socket whatever AuthInfo says (sacctmgr in 22.05), so the
        # cluster uses the machine's munged when one answers there, else starts one there for its lifetime
        self.munge_socket = Path("/run/munge/munge.socket.2")

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "SLURM_CONF": str(self.conf)}

    # --- start and stop ---------------------------------------------------------------------------------------
    def __enter__(self) -> LocalSlurm:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spawn(self, name: str, argv: list[str]) -> None:
        log = open(self.root / "log" / f"{name}.out", "wb")  # noqa: SIM115 (the child keeps it)
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=self.env, start_new_session=True)
        log.close()
        self.procs.append((name, proc))

    def _wait(self, what: str, ready: Callable[[], bool], timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in self.procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode} while waiting for {what}:\n"
                                       f"{self.log_tail(name)}")
            if ready():
                return
            time.sleep(0.2)
        raise RuntimeError(f"timed out waiting for {what}:\n" + "\n".join(self.log_tail(n) for n, _ in self.procs))

    def log_tail(self, name: str, chars: int = 2000) -> str:
        texts = []
        for f in sorted((self.root / "log").glob(f"{name}*")):
            texts.append(f"--- {f.name}\n{f.read_text(errors='replace')[-chars:]}")
        return "\n".join(texts)

    def run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([_tool(argv[0]), *argv[1:]], capture_output=True, text=True, env=self.env, timeout=60)
        if check and proc.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.strip()}")
        return proc

    def _start(self) -> None:
        for d in ("etc", "log", "munge", "db", "state", "spool", "run"):
            (self.root / d).mkdir(parents=True, exist_ok=True)
            os.chmod(self.root / d, 0o700)
        os.chmod(self.root, 0o755)  # jobs' working directories and logs are reached through it
        self._start_munge()
        self._start_mariadb()
        self._write_conf()
        self._spawn("slurmdbd", [_tool("slurmdbd"), "-D"])
        self._wait("slurmdbd", lambda: self.run("sacctmgr", "-n", "list", "cluster", check=False).returncode == 0)
        self.run("sacctmgr", "-i", "add", "cluster", CLUSTER)
        self.run("sacctmgr", "-i", "add", "account", ACCOUNT, f"Cluster={CLUSTER}", "Description=tests",
                 "Organization=tinyperf")
        user = os.environ.get("USER") or "root"
        self.run("sacctmgr", "-i", "add", "user", user, f"Account={ACCOUNT}", f"DefaultAccount={ACCOUNT}")
        self._spawn("slurmctld", [_tool("slurmctld"), "-D", "-i", "-f", str(self.conf)])
        self._wait("slurmctld", lambda: self.run("sinfo", "-h", check=False).returncode == 0)
        self._spawn("slurmd", [_tool("slurmd"), "-D", "-f", str(self.conf), "-N", self.host])
        self._wait("the node to become idle",
                   lambda: "idle" in self.run("sinfo", "-h", "-N", "-o", "%T", check=False).stdout)

    def _munge_works(self) -> bool:
        try:
            cred = subprocess.run(["munge", "-n"], capture_output=True, timeout=10)
            ok = subprocess.run(["unmunge"], input=cred.stdout, capture_output=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return False
        return cred.returncode == 0 and ok.returncode == 0

    def _start_munge(self) -> None:
        if self._munge_works():
            return
        self.munge_socket.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(self.munge_socket.parent, 0o755)
        key = self.root / "munge" / "munge.key"
        key.write_bytes(os.urandom(1024))
        os.chmod(key, 0o400)
        self._spawn("munged", [_tool("munged"), "--foreground", "--force", f"--socket={self.munge_socket}",
                               f"--key-file={key}", f"--pid-file={self.root / 'run' / 'munged.pid'}",
                               f"--log-file={self.root / 'log' / 'munged.log'}",
                               f"--seed-file={self.root / 'munge' / 'munged.seed'}"])
        self._wait("munged", self._munge_works)

    def _start_mariadb(self) -> None:
        data = self.root / "db"
        self.db_port = _free_port()
        subprocess.run([_tool("mariadb-install-db"), "--no-defaults", f"--datadir={data}", "--user=root",
                        "--auth-root-authentication-method=normal", "--skip-test-db"],
                       check=True, capture_output=True, timeout=120)
        # no grant tables: slurmdbd is its only client, on the loopback port of this test
        self._spawn("mariadbd", [_tool("mariadbd"), "--no-defaults", f"--datadir={data}", "--user=root",
                                 f"--socket={data / 'mysql.sock'}", f"--port={self.db_port}",
                                 "--bind-address=127.0.0.1", "--skip-grant-tables",
                                 f"--pid-file={self.root / 'run' / 'mariadb.pid'}",
                                 "--innodb-buffer-pool-size=64M"])

        def listening() -> bool:
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", self.db_port)) == 0

        self._wait("mariadbd", listening)

    def _write_conf(self) -> None:
        r = self.root
        dbd_port, ctld_port, slurmd_port = _free_port(), _free_port(), _free_port()
        auth = "AuthType=auth/munge\n"
        dbd = (f"{auth}DbdHost=localhost\nDbdPort={dbd_port}\nSlurmUser=root\n"
               f"PidFile={r / 'run' / 'slurmdbd.pid'}\nLogFile={r / 'log' / 'slurmdbd.log'}\n"
               f"StorageType=accounting_storage/mysql\nStorageHost=127.0.0.1\nStoragePort={self.db_port}\n"
               "StorageUser=root\nStorageLoc=slurm_acct_db\n")
        dbd_conf = self.conf.parent / "slurmdbd.conf"
        dbd_conf.write_text(dbd)
        os.chmod(dbd_conf, 0o600)
        self.conf.write_text(
            f"ClusterName={CLUSTER}\nSlurmctldHost={self.host}\nSlurmctldPort={ctld_port}\nSlurmdPort={slurmd_port}\n"
            f"SlurmUser=root\n{auth}"
            f"StateSaveLocation={r / 'state'}\nSlurmdSpoolDir={r / 'spool'}\n"
            f"SlurmctldPidFile={r / 'run' / 'slurmctld.pid'}\nSlurmdPidFile={r / 'run' / 'slurmd.pid'}\n"
            f"SlurmctldLogFile={r / 'log' / 'slurmctld.log'}\nSlurmdLogFile={r / 'log' / 'slurmd.log'}\n"
            "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\nJobAcctGatherType=jobacct_gather/linux\n"
            f"AccountingStorageType=accounting_storage/slurmdbd\nAccountingStorageHost=localhost\n"
            f"AccountingStoragePort={dbd_port}\nAccountingStoreFlags=job_comment\n"
            "SelectType=select/cons_tres\nSelectTypeParameters=CR_Core_Memory\nSchedulerType=sched/backfill\n"
            "MpiDefault=none\nReturnToService=2\nMinJobAge=600\nKillWait=5\n"
            f"NodeName={self.host} CPUs={self.cpus} RealMemory={self.memory_mb} State=UNKNOWN\n"
            "PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP\n")
        if DEFAULT_CONF.exists() or DEFAULT_CONF.is_symlink():
            raise RuntimeError(f"{DEFAULT_CONF} exists: refusing to replace this machine's SLURM configuration")
        DEFAULT_CONF.parent.mkdir(parents=True, exist_ok=True)
        DEFAULT_CONF.symlink_to(self.conf)
        self.linked_default = True

    def stop(self) -> None:
        for _name, proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        for _name, proc in reversed(self.procs):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()
        if getattr(self, "linked_default", False) and DEFAULT_CONF.is_symlink():
            DEFAULT_CONF.unlink()
            self.linked_default = False

    # --- what the tests ask of it ------------------------------------------------------------------------------
    def jobs(self) -> list[dict[str, str]]:
        """sacct's view of every job of the cluster (allocations, not steps)."""
        out = self.run("sacct", "-a", "-X", "-n", "-P", "--starttime=2000-01-01",
                       "--format=JobIDRaw,JobName,State,ExitCode,Comment,WorkDir").stdout
        fields = ("id", "name", "state", "exit", "comment", "workdir")
        return [dict(zip(fields, line.split("|"), strict=False)) for line in out.splitlines() if line]

    def queue(self) -> list[dict[str, str]]:
        """squeue's view: the jobs pending or running now (sacct learns a job's comment only when it ends)."""
        out = self.run("squeue", "-h", "-o", "%i|%k|%T").stdout
        return [dict(zip(("id", "comment", "state"), line.split("|"), strict=False))
                for line in out.splitlines() if line]
