"""Orders in chat: ordering from a card (package, extras, answers, invoice), paying, and
everything after payment: delivery and revisions, approval, cancellation, disputes, reviews,
tips, the order view and the notifications each of them sends.
"""
