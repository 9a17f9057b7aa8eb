"""stacktrack plugin for hubspot (see plugin.py)."""
