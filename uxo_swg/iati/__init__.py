"""IATI 2.03: the register's agreements as IATI activities, and donors' IATI files read into proposals."""
