"""Group and channel subscriptions, gig posts in them, and groups' referral balances."""
