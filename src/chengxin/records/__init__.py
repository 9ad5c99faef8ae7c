"""Records: versioned public credit records about subjects (R-2.3)."""
