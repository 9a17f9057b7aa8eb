"""stacktrack plugin for Microsoft Graph: Entra ID and Microsoft 365 (see plugin.py)."""
