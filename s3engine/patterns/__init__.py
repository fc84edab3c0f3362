"""The pattern-language database: pattern model, database, search and pattern notebooks.

Imported pattern notebooks are never executed and always sanitised.

Allowed imports: standard library, ``PyYAML``, ``nbformat``, ``nh3``, ``markdown-it-py``,
``s3engine.core``, ``s3engine.errors``, ``s3engine.shipped``.
"""
