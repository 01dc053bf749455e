"""Feeds and notifications: accounts, library, subscriptions, digests and the mailer.

`lists.py` (daily and trending lists) belongs to the web pages; the rest is the notify
stage: sign-in links, sessions, rate limits (`accounts`), a user's library and upvotes
(`library`), subscriptions (`subscriptions`), what is new (`newworks`), why each work is
picked (`selection`, `personal`), rendering (`render`), SMTP (`mailer`) and the
exactly-once digest run (`digest`).
"""
