"""stacktrack plugin for google_workspace (see plugin.py)."""
