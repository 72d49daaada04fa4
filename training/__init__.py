"""Model training for Conveyor: code and data that build shipped artifacts, not shipped themselves.

Importable from a source checkout only (the repository root on ``sys.path``); the wheel holds
``src/conveyor`` and nothing from here.
"""
