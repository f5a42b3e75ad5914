"""Embedding providers: the OpenAI API (or a compatible server) and a local model."""
