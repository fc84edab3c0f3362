"""Organisation structure: domains, circles and teams, roles and their terms.

``domain`` (domain descriptions, and the face of the package: the event handlers and every writer
and query are importable from it), ``circle``, ``role`` and the shared ``validation``.

Allowed imports: standard library, ``s3engine.core``, ``s3engine.errors``.
"""
