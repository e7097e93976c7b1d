"""Subcommands, one module per feature. Each exposes ``register(subparsers)``."""
