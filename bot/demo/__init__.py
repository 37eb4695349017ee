"""`python -m bot demo`: the bot played against the local simulator (telegram_sim).

The only part of the product that imports the simulator (tests/test_architecture.py).
"""
