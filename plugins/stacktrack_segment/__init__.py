"""stacktrack plugin for segment (see plugin.py)."""
