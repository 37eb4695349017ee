"""Storage: the SQL adapters that implement the services' ports, the schema, migrations.

The map of the packages is docs/architecture.md.
"""
