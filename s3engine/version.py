"""The version of s3flow, defined once (the package build reads it from here).

Allowed imports: none.
"""

__version__ = "0.1.0"
