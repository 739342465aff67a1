"""The exported-program cache: hits, misses, damaged files, a second process, and equality with jit."""
import json
import os
import subprocess
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lstmcast.engine import programs
from lstmcast.engine.model import ModelConfig, apply, init_params
from lstmcast.engine.programs import Program
from lstmcast.engine.train import (
    TrainConfig,
    bucket,
    compiled_train,
    make_train,
    predict,
    predict_many,
    predict_many_own,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LSTMCAST_CACHE_DIR", str(tmp_path))
    return tmp_path / "programs"


def counting_program(name="f", static_key=()):
    """A Program whose Python body counts how often it is traced."""
    traces = []

    def f(key, x, scale):
        traces.append(1)
        return {"y": jnp.tanh(x * scale) + jax.random.uniform(key, x.shape), "n": [jnp.sum(x)]}
    return Program(name, f, static_key), f, traces


def args(n=5):
    x = np.linspace(-1, 1, n, dtype=np.float32)
    return jax.random.key(3), x, np.float32(2.0)


def events(name):
    return [e.source for e in programs.STATS if e.name == name]


def test_miss_then_hit_without_tracing_and_equal_to_jit(cache):
    p, f, traces = counting_program("hit")
    out = p(*args())
    assert events("hit") == ["export"] and len(traces) == 1
    assert len(list(cache.glob("hit-*.jaxexp"))) == 1
    again = p(*args())                                    # in memory: nothing traced, loaded or compiled
    assert len(traces) == 1 and events("hit") == ["export"]
    fresh, _, traces2 = counting_program("hit")           # a new process's Program: from disk
    out2 = fresh(*args())
    assert events("hit") == ["export", "disk"] and traces2 == []
    ref = jax.jit(f)(*args())
    for o in (out, again, out2):
        np.testing.assert_array_equal(np.asarray(o["y"]), np.asarray(ref["y"]))
        np.testing.assert_array_equal(np.asarray(o["n"][0]), np.asarray(ref["n"][0]))


def test_threads_asking_for_one_new_program_build_it_once(cache):
    """Four threads call a program none of them has built: one traces and compiles it, the others wait
    for it (they once compiled it each), and all get the same result."""
    import threading
    p, f, traces = counting_program("once")
    outs, barrier = [None] * 4, threading.Barrier(4)

    def call(k):
        barrier.wait()
        outs[k] = np.asarray(p(*args())["y"])
    threads = [threading.Thread(target=call, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(traces) == 1 and events("once") == ["export"]
    for o in outs:
        np.testing.assert_array_equal(o, outs[0])


def test_other_shape_static_key_or_version_is_a_miss(cache, monkeypatch):
    p, _, _ = counting_program("miss", static_key=("a",))
    p(*args(5))
    p(*args(6))                                            # another shape
    Program("miss", p.fn, ("b",))(*args(5))               # another config
    real = programs._versions
    monkeypatch.setattr(programs, "_versions", lambda: {**real(), "jax": "0.0.1"})
    Program("miss", p.fn, ("a",))(*args(5))               # another JAX version
    monkeypatch.setattr(programs, "_versions", real)
    with jax.default_matmul_precision("highest"):          # a setting that changes tracing
        Program("miss", p.fn, ("a",))(*args(5))
    assert events("miss") == ["export"] * 5
    assert len(list(cache.glob("miss-*.jaxexp"))) == 5


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "foreign key", "other program"])
def test_damaged_or_foreign_file_is_ignored_and_rewritten(cache, damage):
    name = "dmg-" + damage.replace(" ", "-")
    p, f, _ = counting_program(name)
    p(*args())
    (path,) = cache.glob(f"{name}-*.jaxexp")
    good = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(os.urandom(len(good)))
    elif damage == "truncated":
        path.write_bytes(good[: len(good) // 2])
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "foreign key":   # a well-formed file written for another key (e.g. another version)
        head, _, payload = good[len(programs.MAGIC):].partition(b"\n")
        path.write_bytes(programs.MAGIC + json.dumps({"key": "0" * 32, "size": len(payload)}).encode()
                         + b"\n" + payload)
    else:                            # the right header, but a program with other inputs inside
        q = Program("other", lambda x: x + 1)
        q(np.zeros(3, np.float32))
        (other,) = cache.glob("other-*.jaxexp")
        head, _, _ = good[len(programs.MAGIC):].partition(b"\n")
        _, _, payload = other.read_bytes()[len(programs.MAGIC):].partition(b"\n")
        key = json.loads(head)["key"]
        path.write_bytes(programs.MAGIC + json.dumps({"key": key, "size": len(payload)}).encode() + b"\n" + payload)
    fresh, _, traces = counting_program(name)
    out = fresh(*args())
    assert traces == [1] and events(name) == ["export", "export"]
    np.testing.assert_array_equal(np.asarray(out["y"]), np.asarray(jax.jit(f)(*args())["y"]))
    new = path.read_bytes()                               # rewritten whole, for this key
    assert new.split(b"\n")[:2] == good.split(b"\n")[:2] and len(new) == len(good)
    counting_program(name)[0](*args())
    assert events(name)[-1] == "disk"


def test_cache_off_and_unwritable_folder_fall_back_to_jit(tmp_path, monkeypatch):
    monkeypatch.setenv("LSTMCAST_CACHE_DIR", "off")
    p, f, _ = counting_program("off")
    np.testing.assert_array_equal(np.asarray(p(*args())["y"]), np.asarray(jax.jit(f)(*args())["y"]))
    assert events("off") == ["jit"]
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("LSTMCAST_CACHE_DIR", str(blocker))    # programs/ cannot be created under a file
    p2, _, _ = counting_program("ro")
    np.testing.assert_array_equal(np.asarray(p2(*args())["y"]), np.asarray(jax.jit(f)(*args())["y"]))
    assert events("ro") == ["export"]


def test_compiled_train_equals_plain_jit_bit_for_bit(cache, rng):
    mc, tc = ModelConfig(1, (3,)), TrainConfig(epochs=3, batch_size=4)
    x = rng.normal(size=(10, 3, 1)).astype(np.float32)
    y = rng.normal(size=(10, 1)).astype(np.float32)
    w = np.ones(10, np.float32)
    keys = jax.vmap(jax.random.key)(np.arange(2))
    got = compiled_train(mc, tc, vmap_keys=True)(keys, x, y, w)
    train = make_train(mc, tc, fuse=False)
    ref = jax.jit(jax.vmap(lambda k, x, y, w: train(k, x, y, w), (0, None, None, None)))(keys, x, y, w)
    for a, b in zip(jax.tree.leaves(got), jax.tree.leaves(ref)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_cpu_programs_compile_at_llvm_level_1_with_the_same_training(cache, rng, monkeypatch):
    assert programs.compile_options() == {"xla_backend_optimization_level": 1}
    mc, tc = ModelConfig(1, (8,)), TrainConfig(epochs=20, batch_size=4)
    x = rng.normal(size=(24, 5, 1)).astype(np.float32)
    y = rng.normal(size=(24, 1)).astype(np.float32)
    keys = jax.vmap(jax.random.key)(np.arange(3))
    fast = compiled_train(mc, tc, vmap_keys=True)(keys, x, y, np.ones(24, np.float32))
    monkeypatch.setenv("LSTMCAST_XLA_O", "default")
    assert programs.compile_options() == {}
    train = make_train(mc, tc)
    ref = jax.jit(jax.vmap(lambda k, x, y: train(k, x, y, None), (0, None, None)))(keys, x, y)
    for a, b in zip(jax.tree.leaves(fast), jax.tree.leaves(ref)):   # 20 epochs of Adam: rounding only
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-5)


def test_bucketed_predictions_equal_unpadded(cache, rng):
    for n in [1, 7, 8, 9, 17, 100, 141, 1000, 4097]:
        b = bucket(n)
        assert n <= b and (b == 8 or b <= 1.25 * n)
    assert len({bucket(n) for n in range(90, 160)}) <= 4   # train and test sets of similar size share a program
    mc = ModelConfig(2, (4,))
    keys = jax.vmap(jax.random.key)(np.arange(3))
    params = jax.vmap(lambda k: init_params(k, mc))(keys)
    x = rng.normal(size=(13, 5, 2)).astype(np.float32)
    ref = jax.jit(jax.vmap(lambda p, x: apply(p, x)[0], (0, None)))(params, x)
    tol = dict(rtol=1e-6, atol=1e-6) if jax.default_backend() == "cpu" else dict(rtol=1e-2, atol=1e-3)  # GPU: TF32
    np.testing.assert_allclose(predict_many(params, x), ref, **tol)
    own = predict_many_own(params, np.stack([x, x + 1, x - 1]))
    assert own.shape == (3, 13, 1)
    np.testing.assert_allclose(own[0], np.asarray(ref[0]), **tol)
    p0 = jax.tree.map(lambda a: a[0], params)
    np.testing.assert_allclose(predict(p0, x), np.asarray(ref[0]), **tol)


SCRIPT = """
import sys, numpy as np, jax, jax.numpy as jnp
from lstmcast.engine import programs
from lstmcast.engine.model import ModelConfig, apply, init_params
from lstmcast.engine.train import TrainConfig, compiled_train
traces = []
def f(x):
    traces.append(1)
    return jnp.cumsum(x) * 2
y = programs.Program("sub", f)(np.arange(4, dtype=np.float32))
x = np.linspace(0, 1, 24, dtype=np.float32).reshape(8, 3, 1)
keys = jax.vmap(jax.random.key)(np.arange(2))
params, m = compiled_train(ModelConfig(1, (2,)), TrainConfig(epochs=2, batch_size=4), vmap_keys=True)(
    keys, x, x[:, -1], np.ones(8, np.float32))
print(len(traces), [e.source for e in programs.STATS], repr(np.asarray(m["loss"]).tolist()), y.tolist())
"""


@pytest.mark.slow
def test_second_process_loads_without_tracing(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), LSTMCAST_CACHE_DIR=str(tmp_path))
    run = lambda: subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,  # noqa: E731
                                 text=True, check=True).stdout.split(" ", 1)
    first, second = run(), run()
    assert first[0] == "1" and first[1].startswith("['export', 'export']")
    assert second[0] == "0" and second[1].startswith("['disk', 'disk']")
    assert first[1].split("] ", 1)[1] == second[1].split("] ", 1)[1]    # identical losses and outputs


LAPACK = """
import sys, numpy as np, jax, jax.numpy as jnp
from lstmcast.engine.programs import prepare_lapack
if sys.argv[1] == "prepare":
    prepare_lapack()
a = np.random.default_rng(0).normal(size=(16, 4)).astype(np.float32)
q, r = jax.jit(jnp.linalg.qr)(a)
print("scipy.linalg" in sys.modules)
print(np.asarray(q).tobytes().hex())
import scipy.linalg
ok = hasattr(scipy.linalg.cython_lapack, "__pyx_capi__")
print(ok and np.allclose(scipy.linalg.qr(np.eye(3))[0] ** 2, np.eye(3)))
"""


@pytest.mark.slow
def test_prepared_lapack_is_jaxs_own_without_importing_scipy_linalg():
    """prepare_lapack sets up JAX's CPU LAPACK kernels without running scipy.linalg's __init__; the QR is
    bit-for-bit the one JAX computes after its own set-up, and a later `import scipy.linalg` is whole."""
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    runs = {m: subprocess.run([sys.executable, "-c", LAPACK, m], capture_output=True, text=True, env=env,
                              check=True).stdout.split() for m in ("prepare", "plain")}
    assert runs["prepare"][0] == "False" and runs["plain"][0] == "True"   # JAX's own set-up imports it
    assert runs["prepare"][1] == runs["plain"][1]  # the same QR, bit for bit
    assert runs["prepare"][2] == runs["plain"][2] == "True"


CONCURRENT = r"""
import sys, threading, numpy as np, jax
from lstmcast.engine.model import ModelConfig
from lstmcast.engine.train import TrainConfig, compiled_train
mc, tc = ModelConfig(1, (16,), 12), TrainConfig(epochs=20, batch_size=8)
rng = np.random.default_rng(0)
data = [(rng.normal(size=(3, 24, 6, 1)).astype(np.float32), rng.normal(size=(3, 24, 12)).astype(np.float32),
         np.ones((3, 24), np.float32)) for _ in range(6)]
keys = jax.vmap(jax.random.key)(np.arange(10))
fn = compiled_train(mc, tc, vmap_keys=True, vmap_data=True)
run = lambda d: np.asarray(fn(keys, *d)[0]["dense"]["kernel"])
seq = [run(d) for d in data]
out = [None] * len(data)
def work(j):
    for i in range(j, len(data), 2):
        out[i] = run(data[i])
ts = [threading.Thread(target=work, args=(j,)) for j in range(2)]
[t.start() for t in ts]
[t.join() for t in ts]
print(all(np.array_equal(a, b) for a, b in zip(seq, out)))
"""


@pytest.mark.slow
def test_training_programs_run_concurrently_from_threads(tmp_path):
    """Two Python threads training at once finish (a batched QR in the program used to deadlock XLA's
    2-thread CPU pool) and give the same parameters as one after the other."""
    import subprocess
    import sys
    env = {**os.environ, "LSTMCAST_CACHE_DIR": str(tmp_path)}
    p = subprocess.run([sys.executable, "-c", CONCURRENT], capture_output=True, text=True, timeout=120, env=env)
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.strip().splitlines()[-1] == "True"
