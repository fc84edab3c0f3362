"""Organisation structure: domains, circles and teams, roles and their terms.

Allowed imports: standard library, ``s3engine.core``, ``s3engine.errors``.
"""
