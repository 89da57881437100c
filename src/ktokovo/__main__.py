"""``python -m ktokovo``: the same as the ``ktokovo`` command."""

from .cli import main

main()
