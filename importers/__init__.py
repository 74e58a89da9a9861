"""Parsers: files in, typed rows and located errors out. They never touch the database."""
