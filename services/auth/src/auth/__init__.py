"""Accounts, passwords, roles and the tokens every service verifies."""
