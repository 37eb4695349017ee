"""groups: see docs/architecture.md."""
