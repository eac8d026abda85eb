"""What each page shows, as numbers (no words): one call per page or panel."""
