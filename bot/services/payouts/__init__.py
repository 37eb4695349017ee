"""payouts: see docs/architecture.md."""
