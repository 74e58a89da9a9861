"""Donors, channels and operators: list, search, create, edit and merge."""
