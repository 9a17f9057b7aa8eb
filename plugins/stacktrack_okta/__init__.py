"""stacktrack plugin for okta (see plugin.py)."""
