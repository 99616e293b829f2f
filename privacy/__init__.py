"""Personal-data protection: redaction before storage, retention afterwards."""
