"""Benchmarks: run by hand, they print figures and never pass or fail."""
