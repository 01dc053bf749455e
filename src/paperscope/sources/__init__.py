"""Source formats: one module per format, detected by content."""
