"""ktokovo's version, in one place: the package metadata (pyproject.toml reads it from here), ``ktokovo.__version__``,
``ktokovo --version`` and every stored run."""

__version__ = "0.1.0"
