"""README.md's opening, Quick start, evaluation, report and fine-tuning blocks run as written
(tests/readme_runner.py says how; its PART says which module runs which)."""
import pytest
from readme_runner import (
    NOT_RUN,
    PART,
    blocks,
    cases,
    commands,
    folders,  # noqa: F401  (the module's fixture)
    run_block,
)

pytestmark = pytest.mark.slow


def test_readme_blocks_are_found():
    found = blocks()
    assert sum(lang == "bash" for _, lang, _ in found) >= 5 and sum(lang == "python" for _, lang, _ in found) >= 3
    ran = [c for s, lang, code in found if lang == "bash" and s not in NOT_RUN for c in commands(code)]
    assert len(ran) >= 15 and {c[0] for c in ran} >= {"fit", "forecast", "evaluate", "report"}


def test_every_readme_block_is_run_by_one_module():
    """PART names sections that exist, and every block lands in one of the three modules."""
    sections = {s for s, _, _ in blocks()}
    assert set(PART) <= sections and set(PART.values()) <= {0, 1, 2}
    assert sum(len(cases(k)) for k in (0, 1, 2)) == len(blocks())


@pytest.mark.parametrize("section,lang,code", cases(0))
def test_readme_block_runs_as_written(section, lang, code, folders, tmp_path_factory, monkeypatch):  # noqa: F811
    run_block(section, lang, code, folders, tmp_path_factory, monkeypatch)
