"""Use cases, one package per feature, and the ports storage implements (no Telegram here).

The map of the packages is docs/architecture.md.
"""
