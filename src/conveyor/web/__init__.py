"""The dashboard (web/, React) as built into this package, served at ``/``."""
