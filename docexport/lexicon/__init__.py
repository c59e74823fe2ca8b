"""Small hand-written word tables shared by ``parse`` and ``enrich``.

These are data, not a stage: both stages may import them without importing each other.
"""
