"""`codat_integration`: an accounting integration's credentials and its enabled switch."""
