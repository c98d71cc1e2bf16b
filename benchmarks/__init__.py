"""Benchmarks behind the README's figures: each prints a table and writes results/benchmarks/*.json.
Run them as modules from the project folder (`python -m benchmarks.chat_load ...`), or through make."""
