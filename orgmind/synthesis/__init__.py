"""Synthesis: brain versions, decision quality, cross-venture patterns, approval gates."""
