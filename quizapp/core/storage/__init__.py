"""Storage: SQLAlchemy Core tables, migrations, backups, and the Store service every front end goes through."""
