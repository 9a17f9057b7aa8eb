"""stacktrack plugin for an Anthropic (Claude Console) organization through the Admin API."""
