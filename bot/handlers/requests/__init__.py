"""Buyer requests in chat: posting one, freelancers' custom offers, followed searches."""
