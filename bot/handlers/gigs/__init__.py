"""gigs: see docs/architecture.md."""
