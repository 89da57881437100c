"""``python -m ktokovo``: the same as the ``ktokovo`` command."""

from ktokovo.cli import main

main()
