"""The Ray backend on a real multi-process cluster: a head and a worker node started with `ray start`
(one module-scoped cluster shared by these tests), a worker killed mid-run, and the one-line errors.
Skipped when ray is not installed (pip install 'lstmcast[ray]')."""
import os
import socket
import sys
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.slow     # a local Ray instance starts for this module

from lstmcast.errors import DataError, UsageError  # noqa: E402
from lstmcast.scale import get_backend  # noqa: E402
from lstmcast.scale.cluster import local_cluster  # noqa: E402
from lstmcast.scale.shards import gather, train_windows  # noqa: E402

SRC = str(Path(__file__).resolve().parents[1] / "src")

# this module's task functions travel by value (the workers cannot import tests/)
ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def cluster():
    """Head (1 CPU) + worker node (1 CPU), each a `ray start` process; workers import this checkout."""
    env = {"PYTHONPATH": os.pathsep.join([SRC, *filter(None, [os.environ.get("PYTHONPATH")])])}
    with local_cluster([1, 1], env=env) as address:
        be = get_backend("ray", address=address)
        yield be
        be.close()


def _train_or_die(task):
    """Train a shard; the first time shard `task[1]` runs, its worker process dies instead."""
    shard, marker = task
    if marker is not None and not os.path.exists(marker):
        Path(marker).touch()
        os._exit(1)                                    # the worker process dies mid-task
    return train_windows(shard), os.getpid()


def _raise_data_error(task):
    raise DataError(f"series {task!r}: 3 rows; look_back=12 needs at least 13")


def _shards():
    from lstmcast.engine.model import ModelConfig
    from lstmcast.engine.train import TrainConfig
    from lstmcast.scale.shards import WindowShard, slices, standard_windows
    rng = np.random.default_rng(3)
    v = rng.normal(size=(5, 24)).cumsum(axis=1)      # test_scale.small_shards' shapes: shared programs
    x, y, x_last, _ = standard_windows(v, look_back=4, horizon=3)
    mc, tc = ModelConfig(1, (4,), 3), TrainConfig(epochs=4, batch_size=8)
    w = np.ones(x.shape[:2], np.float32)
    return [WindowShard(mc, tc, x[s], y[s], w[s], seed=1, seeds=2, x_last=x_last[s], pad_to=2)
            for s in slices(5, 2)]


def test_worker_death_is_retried_with_the_same_numbers(cluster, tmp_path):
    shards = _shards()
    ref = get_backend("local").map(train_windows, shards)
    marker = str(tmp_path / "killed-shard-1")
    said, ticks = [], []
    out = cluster.map(_train_or_die, [(s, marker if i == 1 else None) for i, s in enumerate(shards)],
                      desc="shard", progress=said.append, tick=lambda d, n: ticks.append((d, n)))
    assert ticks == [(1, 3), (2, 3), (3, 3)]           # each task counted once, the retried one too
    assert os.path.exists(marker)                      # shard 1's first worker did die
    assert said == ["ray: 1 shard task retried after a worker died (task 1 of 3)"]
    assert len({pid for _, pid in out} - {os.getpid()}) >= 1   # ran in worker processes
    got = [r for r, _ in out]
    # in order, nothing lost or duplicated: shard i's numbers are the local backend's shard i
    np.testing.assert_allclose(gather(got, "forecast"), gather(ref, "forecast"), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gather(got, "loss"), gather(ref, "loss"), rtol=1e-5, atol=1e-7)


def test_both_nodes_run_tasks(cluster):
    import time
    assert cluster.cpus == 2 and sum(n["Alive"] for n in ray.nodes()) == 2
    seen, t_end = set(), time.monotonic() + 30
    while len(seen) < 2 and time.monotonic() < t_end:   # a node's first worker may start slowly
        seen |= set(cluster.map(_node_of, range(4)))
    assert len(seen) == 2


def _node_of(_):
    import time
    time.sleep(0.5)                                    # keep each CPU busy so the other node is used
    return ray.get_runtime_context().get_node_id()


def test_task_errors_are_raised_as_they_were_raised(cluster):
    with pytest.raises(DataError, match=r"^series 'a': 3 rows; look_back=12 needs at least 13$"):
        cluster.map(_raise_data_error, ["a"])


def test_unreachable_address_is_one_line():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]                      # free: nothing listens there
    with pytest.raises(UsageError, match=rf"^cannot reach the Ray cluster at 127.0.0.1:{port} .*"
                                         rf"`ray start --head --port {port}` on 127.0.0.1") as e:
        get_backend("ray", address=f"127.0.0.1:{port}")
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("address", ["nohost", "host:port"])
def test_malformed_address_is_one_line(address):
    with pytest.raises(UsageError, match=rf"ray address '{address}' is not host:port"):
        get_backend("ray", address=address)


def _where(_):
    return os.getpid(), os.environ.get("JAX_PLATFORMS")


def test_run_one_without_a_gpu_runs_on_a_cpu_worker(cluster):
    pid, platform = cluster.run_one(_where, None)
    assert pid != os.getpid() and platform == "cpu"
