"""Account registry: PostgreSQL schema, migrations, data access and secret encryption."""
