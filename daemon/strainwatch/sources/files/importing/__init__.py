"""Importing activity files: finding them, reading them (in worker processes), storing them."""
