"""Words (zh/en), number formats, tables, charts and exports: numbers made readable."""
