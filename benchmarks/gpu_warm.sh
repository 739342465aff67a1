#!/usr/bin/env bash
# One short GPU session for the program cache: its tests, then cold and warm tutorial runs.
#   OUT=/tmp/gpu bash benchmarks/gpu_warm.sh     (EXTRA_PATH: a folder holding flatbuffers, if missing)
set -u
export PYTHONPATH=src${EXTRA_PATH:+:$EXTRA_PATH} PYTHONUNBUFFERED=1 LSTMCAST_CACHE_DIR=/tmp/lc-warm MPLBACKEND=Agg
python3 -c "import jax, sys; print('jax', jax.__version__, jax.devices(), sys.version.split()[0])"
python3 -c "import flatbuffers; print('flatbuffers', flatbuffers.__version__)"
timeout 240 python3 -m pytest -q -p no:cacheprovider tests/test_programs.py 2>&1 | tail -4
for run in cold warm; do
  /usr/bin/time -f "  process wall %e s" python3 -m lstmcast tutorial --framing timesteps --seeds 1 --quiet --force \
      --out /tmp/t1 --json | python3 -c "import json,sys; print('timesteps x 1 seed, $run: framing s', json.load(sys.stdin)['framings'][0]['seconds'])"
done
for run in cold warm; do
  /usr/bin/time -f "tutorial 5 x 10, $run: process wall %e s" python3 -m lstmcast tutorial --quiet --force --out /tmp/t2 > /dev/null
done
