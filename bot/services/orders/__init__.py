"""Order use cases: quoting and placing an order, and after payment: who may act (access),
delivery, revisions and approval, cancellation, disputes, reviews, tips, the order chat.
"""
