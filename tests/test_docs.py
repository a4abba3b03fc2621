"""The documentation builds, warnings as errors, and the gallery scripts are well formed.

The Sphinx build runs only where the ``docs`` extra is installed
(``pip install -e ".[docs]"``); it executes every gallery example, which takes
a few minutes on 2 CPU cores (marked slow: ``-m "not slow"`` skips it). Set
``SKRNN_DOCS_NO_GALLERY=1`` to build without running the examples.
"""

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))
# Written by a build into the docs source folder; not copied into the test's.
BUILD_OUTPUTS = ("_build", "auto_examples", "gen_modules", "sg_execution_times.rst")


def test_there_are_gallery_examples():
    assert EXAMPLES, "no examples/plot_*.py found"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_gallery_example_starts_with_a_titled_docstring(path):
    module = ast.parse(path.read_text(encoding="utf-8"))
    docstring = ast.get_docstring(module, clean=True)
    assert docstring, f"{path.name} has no module docstring"
    lines = docstring.splitlines()
    assert len(lines) >= 3, f"{path.name}: the docstring needs a title and an intro"
    title, underline = lines[0].rstrip(), lines[1].rstrip()
    assert title and not title.startswith("="), f"{path.name}: first line is the title"
    assert set(underline) == {"="}, f"{path.name}: the title is underlined with '='"
    assert len(underline) >= len(title), f"{path.name}: title underline too short"
    assert any(line.strip() for line in lines[2:]), f"{path.name}: no introduction"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_gallery_example_has_cells(path):
    assert "\n# %%" in path.read_text(encoding="utf-8"), f"{path.name} has no cells"


@pytest.mark.slow
def test_docs_build_without_warnings(tmp_path):
    for module in ("sphinx", "numpydoc", "pydata_sphinx_theme", "sphinx_gallery"):
        pytest.importorskip(module)
    pytest.importorskip("matplotlib")

    # Build a copy, so the build leaves the working tree untouched and a
    # previous build's generated files cannot hide a problem.
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs, ignore=shutil.ignore_patterns(*BUILD_OUTPUTS))
    shutil.copytree(
        ROOT / "examples",
        tmp_path / "examples",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html"]
    if os.environ.get("SKRNN_DOCS_NO_GALLERY"):
        command += ["-D", "plot_gallery=0"]
    command += [str(docs), str(tmp_path / "html")]
    env = {**os.environ, "MPLBACKEND": "Agg", "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, env=env, timeout=1800
    )
    # Sphinx prints its warnings on stderr, the progress on stdout.
    assert result.returncode == 0, result.stderr[-8000:] + result.stdout[-2000:]
    assert (tmp_path / "html" / "index.html").is_file()
    assert (tmp_path / "html" / "api.html").is_file()


def test_api_page_lists_every_public_name():
    import skrnn
    import skrnn.datasets
    import skrnn.plotting

    api = (ROOT / "docs" / "api.rst").read_text(encoding="utf-8")
    listed = {line.strip() for line in api.splitlines()}
    public = [name for name in skrnn.__all__ if not name.startswith("__")]
    public = [name for name in public if name not in ("datasets", "plotting")]
    public += skrnn.datasets.__all__ + skrnn.plotting.__all__
    missing = [name for name in public if name not in listed]
    assert not missing, f"missing from docs/api.rst: {missing}"
