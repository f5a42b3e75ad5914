"""Throughput, extraction, local-model and app benchmarks; run them with `python -m benchmarks.run_all`."""
