"""``s3flow bench``: performance figures of s3flow against peers measured in the same run.

Only the CLI imports this package.

Allowed imports: everything below ``s3engine.cli``.
"""
