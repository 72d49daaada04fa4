"""Settings with a committed key (AWS's documented example key, not a real one)."""

AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
DEBUG = True
