"""Entry point for `python -m wasmlint`."""

from wasmlint.cli import main

main()
