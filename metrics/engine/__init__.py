"""The store and the SQL compiler: scope and metrics in, numbers and polars frames out."""
