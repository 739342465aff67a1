#!/usr/bin/env bash
# One short GPU session: the training benchmark up to K = 100,000 models, the engine tests that need
# no Keras, and the tutorial command. Runs from the repository root with the source on PYTHONPATH:
#   OUT=/tmp/gpu bash benchmarks/gpu_check.sh
set -u
OUT=${OUT:-/tmp/lstmcast-gpu}; mkdir -p "$OUT"
export PYTHONPATH=src PYTHONUNBUFFERED=1 LSTMCAST_CACHE_DIR=/tmp/lstmcast-jax-cache MPLBACKEND=Agg
K=${K:-"1 10 100 1000 10000 100000"}
nvidia-smi -L 2>/dev/null || true
python3 -c "import jax; print('jax', jax.__version__, jax.devices())"
python3 benchmarks/bench_train.py --no-keras --k $K 2>&1 | tee "$OUT/bench_train.txt"
python3 -m pytest -q -p no:cacheprovider tests/test_train.py tests/test_windows.py tests/test_transforms.py \
    -k "not keras" 2>&1 | tail -3 | tee "$OUT/tests.txt"
/usr/bin/time -f "tutorial wall %e s" python3 -m lstmcast tutorial --quiet --out /tmp/lstmcast-tut 2>&1 | tee "$OUT/tutorial.txt"
/usr/bin/time -f "tutorial again (compilation cache) wall %e s" python3 -m lstmcast tutorial --quiet --force --out /tmp/lstmcast-tut 2>&1 | tail -1 | tee -a "$OUT/tutorial.txt"
