"""Runners: what executes jobs (the local runner in the server, Celery workers elsewhere)."""
