"""stacktrack plugin for an Intercom workspace."""
