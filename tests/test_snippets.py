"""First contact: the README's and the docs' code runs as written, quietly.

Each page's Python snippets run in order in one namespace, in a temporary
folder, as a reader pasting them into a notebook would; ``>>>`` examples run
as doctests. A snippet that needs
something a test cannot have (a running cluster) is preceded by the comment
``.. snippet: skip (<reason>)`` in the reStructuredText source.
"""

import doctest
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", ROOT / "docs" / "quick_start.rst"] + sorted(
    (ROOT / "docs" / "user_guide").glob("*.rst")
)
SKIP = re.compile(r"\.\. snippet: skip \(.+\)")


def markdown_snippets(text):
    """The ```python blocks of a Markdown text."""
    return [
        (False, block)
        for block in re.findall(r"^```python\n(.*?)^```", text, re.M | re.S)
    ]


def rst_snippets(text):
    """(skipped, code) for each ``.. code-block:: python`` of a reST text."""
    lines = text.splitlines()
    snippets = []
    for number, line in enumerate(lines):
        match = re.search(r"\.\. code-block:: python\s*$", line)
        if not match:
            continue
        column = match.start()
        body = []
        for following in lines[number + 1 :]:
            if following.strip() and len(following) - len(following.lstrip()) <= column:
                break
            body.append(following)
        previous = [text for text in lines[:number] if text.strip()]
        skipped = bool(previous) and bool(SKIP.search(previous[-1]))
        snippets.append((skipped, textwrap.dedent("\n".join(body)).strip() + "\n"))
    return snippets


def snippets(path):
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md":
        return markdown_snippets(text)
    return rst_snippets(text)


def test_snippets_are_found():
    assert len(snippets(ROOT / "README.md")) == 1
    assert len(snippets(ROOT / "docs" / "quick_start.rst")) >= 5
    table = snippets(ROOT / "docs" / "user_guide" / "from_keras.rst")
    assert "Sequential()" in table[1][1] and "est.fit(trainX, trainY)" in table[2][1]


@pytest.mark.slow
@pytest.mark.parametrize(
    "path",
    [page for page in PAGES if snippets(page) or ">>>" in page.read_text("utf-8")],
    ids=lambda path: path.name,
)
def test_page_snippets_run(path, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace = {"__name__": "__snippets__"}
    for number, (skipped, code) in enumerate(snippets(path)):
        if skipped:
            continue
        try:
            exec(compile(code, f"{path.name} snippet {number}", "exec"), namespace)
        except Exception as exc:
            pytest.fail(f"{path.name}, snippet {number}:\n{code}\n{exc!r}")
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    results = doctest.testfile(str(path), module_relative=False, optionflags=flags)
    assert results.failed == 0, f"{path.name}: {results.failed} doctest examples failed"
    import matplotlib.pyplot as plt

    plt.close("all")


def test_skipped_snippets_say_why():
    for path in PAGES:
        for line in path.read_text(encoding="utf-8").splitlines():
            if "snippet:" in line:
                assert SKIP.search(line), f"{path.name}: {line!r}"


# --------------------------------------------------------------- quiet start
QUIET_FIT = """
import os
import numpy as np
from skrnn import RNNRegressor

X = np.random.RandomState(0).rand(8, 3, 1)
RNNRegressor(units=2, epochs=1, random_state=0).fit(X, X[:, 0, 0]).predict(X)
assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == {level!r}
"""


def _run_fresh(code, **env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("TF_CPP_MIN_LOG_LEVEL", "PYTHONWARNINGS")
    }
    environment.update(env, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        timeout=300,
    )


@pytest.mark.slow
def test_first_fit_in_a_fresh_process_prints_nothing():
    result = _run_fresh(QUIET_FIT.format(level="2"))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""


@pytest.mark.slow
def test_a_user_set_tensorflow_log_level_is_kept():
    result = _run_fresh(QUIET_FIT.format(level="1"), TF_CPP_MIN_LOG_LEVEL="1")
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_joblib_workers_print_nothing():
    code = """
import numpy as np
from sklearn.model_selection import cross_val_score
from skrnn import RNNRegressor

X = np.random.RandomState(0).rand(20, 3, 1)
cross_val_score(RNNRegressor(units=2, epochs=1, random_state=0), X, X[:, 0, 0],
                cv=2, n_jobs=2)
"""
    result = _run_fresh(code, SKRNN_NUM_THREADS="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
