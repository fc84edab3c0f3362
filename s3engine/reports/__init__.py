"""What s3flow produces for people to read: minutes, the MiTS cycle report, replays, text formats.

Allowed imports: standard library, ``markdown-it-py``, ``nbformat``, ``matplotlib`` (lazily),
``s3engine.processes``, ``s3engine.org``, ``s3engine.core``, ``s3engine.errors``.
"""
