"""Markup: each piece's text made into a safe, well-formed HTML fragment, with notes, spoilers and typography."""
