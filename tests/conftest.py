import os

# Keras is the reference in these tests; it must use the JAX backend (set before keras loads).
os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np
import pytest


def pytest_collection_modifyitems(config, items):
    """The README's examples first: the three longest modules (test_readme*.py). Under pytest-xdist (two
    workers, --dist loadfile in pyproject.toml) both workers start on them and the short modules fill
    in at the end, instead of one worker finishing a long module alone."""
    items.sort(key=lambda item: not item.path.name.startswith("test_readme"))   # stable: the rest keep their order


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture(autouse=True, scope="module")
def _fresh_compiled_programs():
    """Drop JAX's compiled programs after each test module. Every program an XLA CPU build compiles keeps its
    own memory mappings, and one process running the whole suite compiles thousands (random panels,
    every framing): past the kernel's vm.max_map_count (65,530 by default) the next mapping fails and the
    process dies with a segmentation fault."""
    yield
    import sys
    if "jax" in sys.modules:                        # only when the module used JAX
        import jax
        jax.clear_caches()
