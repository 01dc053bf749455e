"""Accounts: users and emailed sign-in links, sessions, rate limits, a user's library and
upvotes. Every function takes the acting user's id and touches only that user's rows."""
