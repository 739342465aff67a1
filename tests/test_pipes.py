"""Vectorised per-series pipelines and windows against the one-series reference implementations."""
import numpy as np
import pytest

from lstmcast.models.lstm import Recipe, windows, windows_many
from lstmcast.prep.pipes import Pipes, fit_pipes
from lstmcast.prep.transforms import fit_pipeline

RNG = np.random.default_rng(0)
VALS = [RNG.uniform(1, 10, n) for n in (30, 45, 20, 60)] + [RNG.normal(0, 1, 40)]


@pytest.mark.parametrize("diff", [(), (1,), (12, 1)])
@pytest.mark.parametrize("scale", ["standard", "minmax"])
@pytest.mark.parametrize("transform", ["auto", "none", "boxcox"])
def test_fit_pipes_equals_the_scalar_pipeline(transform, diff, scale):
    vals = VALS if transform != "boxcox" else VALS[:4]
    P = fit_pipes(vals, transform, diff, scale)
    for r, v in enumerate(vals):
        kind = ("log" if v.min() > 0 else "none") if transform == "auto" else transform
        q = fit_pipeline(v, kind, diff, scale)
        np.testing.assert_allclose([P.lam[r], P.loc[r], P.spread[r]], [q.lam, q.loc, q.spread], rtol=1e-12)
        np.testing.assert_allclose(P.take([r]).forward(v[None])[0], q.forward(v), rtol=1e-12, atol=1e-12)
        # the next value from a history: the same inversion both ways
        z = np.array([0.3])
        np.testing.assert_allclose(P.take([r]).invert_next(v[None], z), q.invert_next(v, 0.3), rtol=1e-12)


def test_invert_next_undoes_forward():
    P = fit_pipes(VALS[:4], "log", (12, 1), "standard")
    for r, v in enumerate(VALS[:4]):
        z = P.take([r]).forward(v[None])[0]
        back = P.take([r]).invert_next(v[None, :-1], z[-1:])
        np.testing.assert_allclose(back, v[-1:], rtol=1e-10)


@pytest.mark.parametrize("diff", [(), (1,), (12, 1)])
@pytest.mark.parametrize("kw", [{}, {"level_norm": True}, {"framing": "window"}])
def test_windows_many_equals_windows_per_series(kw, diff):
    rec = Recipe(m=12, look_back=5, h=3, **kw)
    vals = VALS[:4]
    pipes = fit_pipes(vals, "auto", diff, "standard")
    x, t, counts = windows_many(rec, pipes, vals)
    per = [windows(rec, pipes.take([r]), v) for r, v in enumerate(vals)]
    np.testing.assert_allclose(np.concatenate([a for a, _ in per]), x, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.concatenate([b for _, b in per]), t, rtol=1e-5, atol=1e-5)
    assert counts.tolist() == [len(a) for a, _ in per]


def test_pipes_round_trip_and_bad_parameters():
    P = fit_pipes(VALS, "auto", (1,), "standard")
    Q = Pipes.from_dict(P.to_dict())
    for f in ("kind", "lam", "loc", "spread"):
        np.testing.assert_array_equal(getattr(P, f), getattr(Q, f))
    d = P.to_dict()
    d["spread"][0] = float("nan")
    from lstmcast.errors import DataError
    with pytest.raises(DataError, match="not finite"):
        Pipes.from_dict(d)


@pytest.mark.parametrize("kind", [0, 1])
def test_uniform_kinds_take_the_shortcut_with_the_general_branch_values(kind):
    """Every row log (or none): one ufunc instead of the three-way branch, the same numbers bit for bit (a row of
    another kind added forces the general branch; its rows are compared)."""
    from lstmcast.prep.pipes import Pipes
    y = np.random.default_rng(1).uniform(1, 50, (4, 3, 30))
    k, lam = np.full((3, 1), kind), np.zeros((3, 1))
    mixed_k, mixed_lam = np.vstack([k, [[2]]]), np.vstack([lam, [[0.5]]])
    y4 = np.concatenate([y, y[:, :1]], axis=1)
    fast, general = Pipes._power(y, k, lam), Pipes._power(y4, mixed_k, mixed_lam)[:, :3]
    assert np.array_equal(fast, general)
    assert np.array_equal(Pipes._power_inverse(fast, k, lam), Pipes._power_inverse(
        np.concatenate([fast, fast[:, :1]], axis=1), mixed_k, mixed_lam)[:, :3])
