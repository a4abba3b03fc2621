"""Sphinx configuration of the skrnn documentation.

Build with ``python -m sphinx -W --keep-going -b html docs docs/_build/html``
(the gallery examples run during the build; add ``-D plot_gallery=0`` to skip
them). Nothing here needs network access.
"""

import os
import re
import warnings

import skrnn

# Examples and doctest-style code run on the TensorFlow backend, quietly, and
# draw with a non-interactive matplotlib backend.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

project = "skrnn"
author = "The skrnn developers"
copyright = "The skrnn developers"
version = skrnn.__version__
release = skrnn.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "auto_examples/*.ipynb"]
root_doc = "index"
default_role = "literal"

# -- autodoc / autosummary / numpydoc ----------------------------------------
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
autodoc_typehints = "none"
# numpydoc renders the methods itself through the class template; its own
# member tables would list every inherited scikit-learn method as a stub.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# -- sphinx-gallery -----------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Only plot_*.py are gallery examples: run_airline.py is a plain script.
    "filename_pattern": "/plot_",
    "ignore_pattern": r"run_.*\.py|__init__\.py",
    "within_subsection_order": "FileNameSortKey",
    "reset_modules": ("matplotlib",),
    "download_all_examples": False,
    "remove_config_comments": True,
    "write_computation_times": False,
    # "Examples using X" on each API page.
    "doc_module": ("skrnn",),
    "backreferences_dir": "gen_modules/backreferences",
    "plot_gallery": "True",
    "abort_on_example_error": False,
    "show_memory": False,
    "matplotlib_animations": False,
}

# -- HTML ---------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skrnn {release}"
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_prev_next": False,
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"quick_start": [], "benchmarks": []}
html_show_sourcelink = False

# TensorFlow and Keras print deprecation notices of their own dependencies.
warnings.filterwarnings("ignore", category=DeprecationWarning, module="tensorflow")
warnings.filterwarnings("ignore", category=DeprecationWarning, module="keras")


# -- inherited scikit-learn docstrings -----------------------------------------
# Methods inherited from scikit-learn (get_params, score, set_output, the
# metadata-routing setters) cross-reference labels and glossary terms of
# scikit-learn's own documentation, which is not linked here (no network at
# build time). Keep their text, drop the dangling references.
_XREF = re.compile(r":(?:ref|term):`([^`<]+?)\s*(?:<[^`>]*>)?`")


def _unlink_sklearn_references(app, what, name, obj, options, lines):
    module = getattr(obj, "__module__", None) or ""
    if module.split(".")[0] != "sklearn":
        return
    lines[:] = [_XREF.sub(r"\1", line) for line in lines]


def setup(app):
    app.connect("autodoc-process-docstring", _unlink_sklearn_references, priority=400)
