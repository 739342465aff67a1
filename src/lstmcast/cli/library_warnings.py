"""Library warnings during a command: never printed raw. Python's `warnings.warn` from numpy, pandas,
statsmodels, statsforecast, JAX... (in any thread) is counted instead of printed; the ones that say something
the user can act on (MEANING) become one lstmcast note each at the end, the rest are silenced. Under --quiet
or --json nothing is printed. `-W error` does not turn them into exceptions inside a command either (lstmcast
handles the numbers they warn about: non-finite values are checked where they matter).

    with library_warnings(con_note) as seen:      # seen: Counter of 'module: Category'
        run_the_command()
"""
from __future__ import annotations

import contextlib
import warnings
from collections import Counter

# category name -> what it means for the user (the rest: numeric noise lstmcast already checks for)
MEANING = {"ConvergenceWarning": "a statistical member's fit did not converge on some series (its forecasts are "
                                 "still checked and weighted by validation)"}


@contextlib.contextmanager
def library_warnings(note):
    seen = Counter()

    def show(message, category, filename, lineno, file=None, line=None):
        seen[category.__name__] += 1

    with warnings.catch_warnings():
        warnings.simplefilter("always")          # ahead of -W error and of the libraries' own filters
        warnings.showwarning = show
        try:
            yield seen
        finally:
            if note is not None:
                for k in seen:
                    if k in MEANING:
                        note(f"note: {MEANING[k]}")
