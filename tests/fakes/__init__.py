"""Fakes of adapters (notifier, ...) for tests: real behaviour where it matters, no I/O."""
