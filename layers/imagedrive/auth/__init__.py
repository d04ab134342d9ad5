"""Accounts, passwords, access tokens, refresh sessions and login throttling."""
