"""Small widgets and cell renderers shared by the TUI's screens."""
