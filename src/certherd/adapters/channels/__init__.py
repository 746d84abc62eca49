"""Channels: what carries a topic's messages to subscribers (mail, HTTP, Apprise, commands)."""
