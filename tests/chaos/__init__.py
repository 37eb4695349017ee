"""The chaos suite: faults injected at every database statement and provider call of the money
paths, and `kill -9` of a bot process in the middle of whole deals; the books are audited after
each one (`python -m tests.chaos`, `make chaos`; a small seeded part runs inside pytest)."""
