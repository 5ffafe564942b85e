"""Storage adapter: SQLAlchemy models, queries and Alembic migrations."""
