"""The pipeline: named, idempotent stages and the one runner that update, demo and the CLI call."""
