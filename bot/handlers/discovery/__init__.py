"""Buyers finding gigs in chat: categories, words, filters, paging, and inline mode."""
