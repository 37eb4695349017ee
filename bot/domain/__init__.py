"""The pure rules: money, the ledger, orders' state machine, pricing, limits (no I/O).

The map of the packages is docs/architecture.md.
"""
