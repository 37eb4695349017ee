"""orders: see docs/architecture.md."""
