"""Matching typed questions to FAQ entries and intents: pure functions over a prebuilt index."""
