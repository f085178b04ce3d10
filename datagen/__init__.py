"""Synthetic populations with planted, labelled typologies."""
