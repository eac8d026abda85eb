"""The domain's ground: metric catalog, filters, scope, settings, vocabulary codes, business
hours, errors."""
