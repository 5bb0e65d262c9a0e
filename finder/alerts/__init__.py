"""Saved-search alerts: subscriptions, tokens, matching, digests."""
