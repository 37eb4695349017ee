"""Money in and back out: payments, the payment journal and its appliers, Stripe webhooks,
refunds (ours and those Telegram reports) and reconciling the ledger with the providers.
"""
