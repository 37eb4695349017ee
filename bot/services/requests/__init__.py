"""requests: see docs/architecture.md."""
