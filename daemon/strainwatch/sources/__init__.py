"""Adapters that read activities from the outside world into domain objects."""
