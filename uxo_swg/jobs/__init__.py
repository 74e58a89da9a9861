"""The working group's calendar: return reminders, rate watch and backups, and the admins' Jobs page."""
