"""Training and evaluation of the failure classifier that ``conveyor.debug`` ships.

``corpus`` generates the synthetic corpus from hand-written templates, ``fit`` builds and
trains the pipeline, ``evaluation`` scores it. The package itself keeps only inference:
``conveyor.debug.model.TrainedModel`` and ``data/model.joblib``.
"""
