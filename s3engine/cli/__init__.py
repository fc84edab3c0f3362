"""The ``s3flow`` command line: one module per command group, :mod:`s3engine.cli.main` the entry.

Allowed imports: every other part of ``s3engine`` (never ``jupyter_ext``).
"""
