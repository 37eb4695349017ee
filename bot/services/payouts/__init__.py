"""Paying sellers: Connect onboarding, transfers after clearance, Stars settled by hand."""
