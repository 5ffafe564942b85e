"""A generic webhook: JSON POST, HMAC-SHA256-signed body (channel.py: the sending; kind.py:
its keys, routes and checks)."""
