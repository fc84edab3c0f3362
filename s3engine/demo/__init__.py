"""Scripted demonstrations (``s3flow demo``): a consent decision, role selection, a MiTS cycle.

Only the CLI imports this package.

Allowed imports: everything below ``s3engine.cli``.
"""
