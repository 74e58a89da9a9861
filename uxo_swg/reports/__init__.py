"""Reports the sector files from the same records: the treaty report's tables (CCM Article 7) and the Monitor's."""
