"""Transports: thin adapters that parse platform input, call the engine and render its replies."""
