"""Benchmarks of the provenance log: `python -m bench.run` (see bench/README.md).

Every figure is measured in the run that prints it and is shown next to its ratio against a
baseline measured in the same run (raw Ed25519 verification on one core), so numbers taken on
different, noisy machines can still be compared.
"""
