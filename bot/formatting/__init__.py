"""Rendering Sild's Markdown subset for the places that show it (terminal, Telegram, Matrix)."""
