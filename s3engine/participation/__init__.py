"""Participation: people taking part from their own devices — personal links, the participant view.

Allowed imports: standard library, ``s3engine.core``, ``s3engine.errors``.
"""
