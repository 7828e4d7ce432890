"""Sild: a peer-support and information chatbot for people from Estonia, in Finland and Estonia."""

__version__ = "0.1.0"
