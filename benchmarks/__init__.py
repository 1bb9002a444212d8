"""Benchmarks: ingest and answer speed against the LangChain baseline and the embedder's ceiling.

Run everything in one process on one machine, so every ratio compares figures measured side by
side (the absolute times move with the machine's load; the ratios much less)::

    python -m benchmarks [--quick] [--json] [--corpus DIR] [--output docs/benchmarks.md]

Benchmarks are not tests: nothing here asserts a time. ``benchmarks.load`` is the HTTP load
generator the HTTP section reuses.
"""
