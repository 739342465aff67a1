"""The pretraining script: learning-rate schedules by hand, and a resumed run equal to an uninterrupted one."""
import json

import numpy as np
import pytest

from lstmcast.pretrain import net
from lstmcast.pretrain.train import FLOOR, PEAK, learning_rate, run


def test_schedules_by_hand():
    assert learning_rate(0, 100, "cosine") == pytest.approx(PEAK)
    assert learning_rate(50, 100, "cosine") == pytest.approx((PEAK + FLOOR) / 2)
    assert learning_rate(100, 100, "cosine") == pytest.approx(FLOOR)
    # wsd, 1,000 steps: warmup over 20 (2%), flat, linear decay over the last 200
    assert learning_rate(0, 1000, "wsd") == pytest.approx(PEAK / 20)
    assert learning_rate(19, 1000, "wsd") == pytest.approx(PEAK)
    assert learning_rate(500, 1000, "wsd") == pytest.approx(PEAK)
    assert learning_rate(900, 1000, "wsd") == pytest.approx((PEAK + FLOOR) / 2)
    assert learning_rate(1000, 1000, "wsd") == pytest.approx(FLOOR)
    # warmup never longer than 500 steps; a second stage warms up again from its first step
    assert learning_rate(500, 10 ** 6, "wsd") == pytest.approx(PEAK)
    assert learning_rate(1010, 2000, "wsd", decay_from=1800, peak=5e-4, warm_from=1000) == pytest.approx(
        5e-4 * 11 / 40)


@pytest.mark.slow
def test_resumed_run_equals_uninterrupted(tmp_path):
    cfg = net.NetConfig(context=16, horizon=4, units=(4,))
    kw = dict(batch=8, seed=3, cfgs=[cfg], every=2, val_n=16, schedule="wsd", decay_from=4)
    run(str(tmp_path / "whole"), steps=6, **kw)
    run(str(tmp_path / "split"), steps=4, **kw)          # stopped at step 4 ...
    run(str(tmp_path / "split"), steps=6, **kw)          # ... and resumed from its checkpoint
    with np.load(tmp_path / "whole" / "ckpt.npz") as a, np.load(tmp_path / "split" / "ckpt.npz") as b:
        assert int(a["step"]) == int(b["step"]) == 6
        for k in a.files:
            np.testing.assert_allclose(a[k], b[k], rtol=1e-5, atol=1e-7)
    rows = (tmp_path / "whole" / "loss.csv").read_text().split()
    assert rows[0] == "step,train_loss,val_loss,seconds" and [r.split(",")[0] for r in rows[1:]] == ["2", "4", "6"]
    assert json.loads((tmp_path / "whole" / "config.json").read_text())["generator"] == "synth-1"
