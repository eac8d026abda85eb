"""ServiceLens' domain, without Streamlit. Each layer imports only those below it (checked by
the import-linter `layers` contract in pyproject.toml; docs/architecture.md says what goes where):

    cli               the `servicelens` command
    report | ingest   the monthly review pack | extracts into the store
    present           words (zh/en), number formats, tables, charts, exports
    views             what each page shows, as numbers
    engine            the store, the SQL compiler, metric queries
    core              catalog, filters, scope, settings, vocabulary codes, business hours, errors
"""
