"""Gig use cases: publishing, the guided creation, editing fields and lists, the catalog."""
