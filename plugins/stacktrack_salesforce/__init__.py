"""stacktrack plugin for salesforce (see plugin.py)."""
