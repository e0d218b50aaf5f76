"""Entry point for `python -m wasmlint`."""

from wasmlint.entry import main

main()
