"""Operating the service: consistent backups and restores that never roll the log back."""
