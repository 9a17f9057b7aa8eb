"""stacktrack plugin for the OpenAI API platform (Admin API)."""
