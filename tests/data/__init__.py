"""Test data: the saved old-schema database and helpers that build attempts from the real
audio fixtures."""
