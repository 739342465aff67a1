"""A Ray cluster on this machine as separate processes (`ray start`): a head and worker nodes.

    with local_cluster(nodes=[1, 1]) as address:     # head with 1 CPU + one worker node with 1 CPU
        get_backend("ray", address=address).map(fn, tasks)

For tests and benchmarks of the multi-node path (joining by address, a node's worker dying) without
a second machine. Each node is `ray start --block` in its own process group; leaving the block kills
those groups and the nodes' workers (only processes this function started) and removes the folder.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, timeout: float):
    t_end = time.monotonic() + timeout
    while time.monotonic() < t_end:
        if proc.poll() is not None:
            raise RuntimeError(f"ray start exited with status {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the Ray head did not listen on port {port} within {timeout:.0f} s")


def _wait_cpus(address: str, cpus: int, timeout: float, env: dict):
    """Wait until the cluster reports `cpus` CPUs (all nodes joined), asked from a subprocess so
    that this process is free to ray.init later."""
    code = ("import ray, sys, time\n"
            f"ray.init(address={address!r}, logging_level='error', log_to_driver=False)\n"
            f"t = time.monotonic()\n"
            f"while ray.cluster_resources().get('CPU', 0) < {cpus} and time.monotonic() - t < {timeout}:\n"
            "    time.sleep(0.2)\n"
            f"sys.exit(0 if ray.cluster_resources().get('CPU', 0) >= {cpus} else 1)\n")
    if subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                      timeout=timeout + 60).returncode:
        raise RuntimeError(f"the Ray cluster at {address} did not reach {cpus} CPUs in {timeout:.0f} s")


@contextlib.contextmanager
def local_cluster(nodes=(1, 1), timeout: float = 60.0, env: dict | None = None):
    """Start nodes (CPUs per node; the first is the head) as `ray start` processes; yields the
    head's address "127.0.0.1:PORT"."""
    ray_bin = shutil.which("ray") or os.path.join(os.path.dirname(sys.executable), "ray")
    tmp = tempfile.mkdtemp(prefix="lcray")        # short: Ray's socket paths must stay < 108 bytes
    # Ray >= 2.5x turns on token authentication for `ray start`; a throw-away cluster on one
    # machine runs without it (a real cluster keeps it: see README, "Scaling out")
    env = {**os.environ, "RAY_AUTH_MODE": "disabled", **(env or {})}
    port = _free_port()
    address = f"127.0.0.1:{port}"
    common = ["--block", "--disable-usage-stats", "--node-ip-address=127.0.0.1"]
    procs = []
    try:
        for k, cpus in enumerate(nodes):
            if k == 0:
                args = ["start", "--head", f"--port={port}", f"--temp-dir={tmp}", "--include-dashboard=false"]
            else:
                args = ["start", f"--address={address}"]
            procs.append(subprocess.Popen([ray_bin, *args, f"--num-cpus={cpus}", *common], env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                          start_new_session=True))
            if k == 0:
                _wait_port(port, procs[0], timeout)
        _wait_cpus(address, sum(nodes), timeout, env)
        yield address
    finally:
        _stop(procs, tmp)


def _stop(procs, tmp: str):
    """Kill the nodes' process groups, then any of their workers (Ray puts each worker in its own
    process group) found by the cluster's unique temporary folder in their command line."""
    for p in reversed(procs):                  # workers first, then the head
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGKILL)
    for p in procs:
        p.wait()
    for pid in _pids_mentioning(tmp):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    shutil.rmtree(tmp, ignore_errors=True)


def _pids_mentioning(text: str) -> list[int]:
    pids = []
    for d in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if d.isdigit():
            try:
                with open(f"/proc/{d}/cmdline", "rb") as f:
                    if text.encode() in f.read():
                        pids.append(int(d))
            except OSError:
                continue
    return pids
