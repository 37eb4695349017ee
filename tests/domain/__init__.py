"""Tests of the pure domain layer (bot/domain): no I/O, fast."""
