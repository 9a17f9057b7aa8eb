"""stacktrack plugin for an Adobe Marketo Engage instance."""
