"""Payout settings in chat: Stripe Connect onboarding and whether payouts are on."""
