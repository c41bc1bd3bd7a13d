"""``python -m spatialcode``: the command line."""

from spatialcode.cli import main

main()
