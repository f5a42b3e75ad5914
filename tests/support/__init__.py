"""Test helpers shared by the tests, benchmarks and reliability runs."""
