"""The Municipalities in Transition cycle: preparation, evaluation, co-design, co-implementation.

Allowed imports: standard library, ``PyYAML`` (instruments), ``s3engine.core``, ``s3engine.errors``.
"""
