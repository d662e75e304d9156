"""Database glue: the six schemas of the design document on SQLite, PostgreSQL and SQL Server.

Every model names its table once as ``"<schema>.<Table>"`` (``"ref.Country"``). On SQLite
that string is one identifier. The PostgreSQL and SQL Server backends below quote it as
two (``"ref"."Country"`` / ``[ref].[Country]``), list tables across all six schemas, and
give every key, constraint and index the readable name the naming standard asks for.
Nothing outside this package knows which engine is in use.
"""
