"""stacktrack plugin for slack (see plugin.py)."""
