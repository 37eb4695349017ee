"""Matching: the search index port, the query, ranking, and the SQL index behind it.

The map of the packages is docs/architecture.md.
"""
