"""scale/ without Ray: the local backend, shard plans, window shards, and the errors when Ray is missing."""
import builtins
import sys

import jax
import numpy as np
import pytest

from lstmcast.engine.model import ModelConfig
from lstmcast.engine.train import TrainConfig, compiled_train, predict
from lstmcast.errors import UsageError
from lstmcast.scale import LocalBackend, get_backend
from lstmcast.scale.backend import worker_env
from lstmcast.scale.shards import WindowShard, gather, shard_size, slices, standard_windows, train_windows


def test_using_sets_the_current_backend():
    from lstmcast.scale import current, using
    assert isinstance(current(), LocalBackend)
    be = LocalBackend()
    with using(be):
        assert current() is be
        with using(LocalBackend()) as inner:
            assert current() is inner
        assert current() is be
    assert current() is not be


def test_local_backend_ticks():
    ticks = []
    assert get_backend("local").map(str, [1, 2], tick=lambda d, n: ticks.append((d, n))) == ["1", "2"]
    assert ticks == [(1, 2), (2, 2)]


def test_local_backend_maps_in_order():
    assert get_backend("local").map(lambda t: t * 10, [3, 1, 2]) == [30, 10, 20]
    assert get_backend("local").run_one(lambda t: t + 1, 1) == 2
    assert isinstance(get_backend(None), LocalBackend)


@pytest.mark.parametrize("kw, match", [
    (dict(backend="spark"), r"backend must be one of \('local', 'ray'\); got 'spark'"),
    (dict(backend="local", address="10.0.0.1:6379"), r"a Ray address \(10.0.0.1:6379\) needs backend='ray'"),
])
def test_bad_backend_arguments(kw, match):
    with pytest.raises(UsageError, match=match):
        get_backend(**kw)


def test_ray_not_installed_is_one_line(monkeypatch):
    real_import = builtins.__import__

    def no_ray(name, *a, **k):
        if name == "ray" or name.startswith("ray."):
            raise ImportError("No module named 'ray'")
        return real_import(name, *a, **k)

    monkeypatch.delitem(sys.modules, "ray", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(UsageError, match=r"^ray is not installed: pip install 'lstmcast\[ray\]'") as e:
        get_backend("ray")
    assert "\n" not in str(e.value)


def test_worker_env_keeps_the_compilation_cache_key(monkeypatch):
    monkeypatch.setenv("XLA_FLAGS", "--xla_foo=1")
    monkeypatch.setenv("LSTMCAST_CACHE_DIR", "/tmp/c")
    assert worker_env()["LSTMCAST_CACHE_DIR"] == "/tmp/c"
    env = worker_env()
    assert env["XLA_FLAGS"] == "--xla_foo=1" and env["JAX_PLATFORMS"] == "cpu"
    assert env["LSTMCAST_CACHE_DIR"] == "/tmp/c" and env["OMP_NUM_THREADS"] == "1"
    assert "intra_op_parallelism_threads=2" in worker_env(threads=2)["XLA_FLAGS"]
    assert "JAX_PLATFORMS" not in worker_env(platform=None)


@pytest.mark.parametrize("n, workers, size", [(2000, 2, 250), (10, 2, 10), (100, 4, 16), (1, 8, 1)])
def test_shard_size(n, workers, size):
    assert shard_size(n, workers) == size


def test_slices_cover_once_in_order():
    sl = slices(10, 4)
    assert [list(range(10))[s] for s in sl] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_standard_windows_by_hand():
    v = np.array([[1.0, 2, 3, 4, 5, 6], [2, 2, 2, 2, 2, 2]])
    x, y, x_last, (_, spread) = standard_windows(v, look_back=2, horizon=2)
    assert x.shape == (2, 3, 2, 1) and y.shape == (2, 3, 2) and x_last.shape == (2, 2, 1)
    z0 = (v[0] - 3.5) / np.std(v[0])
    np.testing.assert_allclose(x[0, :, :, 0], [z0[0:2], z0[1:3], z0[2:4]], rtol=1e-6)
    np.testing.assert_allclose(y[0], [z0[2:4], z0[3:5], z0[4:6]], rtol=1e-6)
    np.testing.assert_allclose(x_last[0, :, 0], z0[4:6], rtol=1e-6)
    assert spread[1] == 1.0 and np.all(x[1] == 0)          # a constant series: spread 1, not NaN


def small_shards():
    """5 series in shards of 2 (the last padded); the same shapes as test_scale_ray's, so that the
    compiled programs are shared through the compilation cache."""
    rng = np.random.default_rng(3)
    v = rng.normal(size=(5, 24)).cumsum(axis=1)
    x, y, x_last, _ = standard_windows(v, look_back=4, horizon=3)
    mc, tc = ModelConfig(1, (4,), 3), TrainConfig(epochs=4, batch_size=8)
    w = np.ones(x.shape[:2], np.float32)
    tasks = [WindowShard(mc, tc, x[s], y[s], w[s], seed=1, seeds=2, x_last=x_last[s], pad_to=2)
             for s in slices(5, 2)]
    return tasks, (mc, tc, x, y, w, x_last)


@pytest.mark.slow
def test_shards_train_as_one_call_would():
    """Each series gets the parameters it gets when trained beside another real series in one call
    (vmap: sets do not interact), whatever its shard, padding and position; forecasts are its
    models' predictions from its last window."""
    tasks, (mc, tc, x, y, w, x_last) = small_shards()
    out = get_backend("local").map(train_windows, tasks)
    got = gather(out, "params")                                              # (K=2, S=5, ...)
    fc = gather(out, "forecast")                                             # (K, S, h)
    assert fc.shape == (2, 5, 3)
    train = compiled_train(mc, tc, vmap_keys=True, vmap_data=True)
    keys = jax.vmap(jax.random.key)(np.arange(1, 3))
    for s in range(5):
        pair = [s, (s + 3) % 5]                      # s beside another series, in a different position
        ref, _ = train(keys, x[pair[::-1]], y[pair[::-1]], w[pair[::-1]])
        ref = jax.tree.map(lambda a: np.asarray(a)[:, 1], ref)               # (K, ...) of series s
        for a, b in zip(jax.tree.leaves(jax.tree.map(lambda a, s=s: a[:, s], got)), jax.tree.leaves(ref)):
            np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)
        for k in range(2):
            p = jax.tree.map(lambda a, k=k: a[k], ref)
            np.testing.assert_allclose(fc[k, s], np.asarray(predict(p, x_last[s][None]))[0], rtol=2e-5, atol=2e-6)

def _backend_args(argv):
    from lstmcast.cli.common import _Parser, add_backend_flags
    p = _Parser(prog="lstmcast fit")
    p.add_argument("data")
    add_backend_flags(p)
    return p.parse_args(argv)


@pytest.mark.parametrize("argv, ray, workers", [
    (["a.csv"], None, None),
    (["a.csv", "--ray"], "", None),
    (["a.csv", "--ray", "10.0.0.5:6379", "--workers", "4"], "10.0.0.5:6379", 4),
    (["--ray=auto", "a.csv"], "auto", None),
])
def test_ray_flags_parse(argv, ray, workers):
    a = _backend_args(argv)
    assert (a.data, a.ray, a.workers) == ("a.csv", ray, workers)


@pytest.mark.parametrize("argv, match", [
    (["a.csv", "--workers", "2"], r"--workers needs --ray"),
    (["--ray", "b.csv", "a.csv"], r"--ray took 'b.csv' as a cluster address; put --ray after the data file"),
])
def test_ray_flag_misuse_is_one_line(argv, match):
    from lstmcast.cli.common import backend_from_args
    with pytest.raises(UsageError, match=match):
        backend_from_args(_backend_args(argv))


def test_running_scopes_a_backend_to_one_call():
    from lstmcast.scale import current, running
    be = LocalBackend()
    with running(be) as got:                       # an object: used as it is
        assert got is be and current() is be
    with running("local") as got:                  # a name: made for the block
        assert isinstance(got, LocalBackend) and current() is got
    with running() as got:                         # nothing: the current one
        assert got is current()
