"""Buyer requests (briefs), custom offers and followed searches, with their ports."""
