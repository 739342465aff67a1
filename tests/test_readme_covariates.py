"""README.md's Covariates blocks run as written
(tests/readme_runner.py says how; its PART says which module runs which)."""
import pytest
from readme_runner import cases, folders, run_block  # noqa: F401  (folders: the module's fixture)

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("section,lang,code", cases(2))
def test_readme_block_runs_as_written(section, lang, code, folders, tmp_path_factory, monkeypatch):  # noqa: F811
    run_block(section, lang, code, folders, tmp_path_factory, monkeypatch)
