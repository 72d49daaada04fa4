"""Generator of the synthetic training corpus (``data/corpus.jsonl``).

Templates are hand-written from knowledge of real tool output; ``fake`` fills them
with varied names, paths and versions, ``noise`` wraps them in the preamble and
markers of a CI system. Run ``python -m training.debug.corpus.build`` to rebuild.
"""
