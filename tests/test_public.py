"""Public surface, fast import, README <-> CI."""
import re
import subprocess
import sys
from pathlib import Path

import lstmcast

ROOT = Path(__file__).resolve().parents[1]


def test_public_names():
    assert set(lstmcast.__all__) == {"Forecaster", "backtest", "load_csv", "DataError", "__version__"}
    assert lstmcast.Forecaster.__name__ == "Forecaster"
    assert callable(lstmcast.datasets.airline)


def test_import_is_light():
    code = ("import sys, lstmcast; "
            "print(any(m in sys.modules for m in ('jax', 'matplotlib', 'statsforecast', 'pandas')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_ci_runs_the_readme_commands():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", readme, re.S).group(1).splitlines()
    install_run, install_test = (ln.split("#")[0].strip() for ln in block[:2])
    assert install_run.endswith("lstmcast tutorial")
    assert "pytest" in install_test
    assert install_test in (ROOT / ".ci" / "run").read_text()
