"""Gigs in chat: the seller's menu, creating a gig, My gigs with each gig's panel,
editing fields and lists, and opening a gig from a deep link.
"""
