"""wasmlint's benchmarks: `python -m bench` runs them all and prints one table (see bench/README.md)."""
