"""money: see docs/architecture.md."""
