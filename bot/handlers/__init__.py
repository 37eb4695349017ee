"""The Telegram side of each feature, one package per feature, and what every flow shares.

The map of the packages is docs/architecture.md.
"""
