"""The web app: server-rendered pages and a JSON API built from the same view functions.

Nothing is built at import time: `paperscope.web.app.create_app(settings, store)` builds it.
"""
