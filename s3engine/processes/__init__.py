"""The S3 processes and the MiTS cycle, each a process definition (data) plus small guards.

One module per S3 process; nested processes (objection testing, resolution) are child processes.
``mits/`` is the Municipalities in Transition cycle. Process kinds reach workspaces through the
``s3flow.processes`` entry points, never by being imported.

Allowed imports: standard library, ``s3engine.core``, ``s3engine.org``, ``s3engine.errors``.
"""
