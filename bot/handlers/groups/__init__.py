"""Groups and channels: the bot added or removed, the settings panel, promoting a gig,
and the operators' referral payouts.
"""
