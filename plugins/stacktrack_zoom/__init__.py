"""stacktrack plugin for a Zoom account (Server-to-Server OAuth app)."""
