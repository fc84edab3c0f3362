"""The S3 processes and the MiTS cycle, each a process definition (data) plus small guards.

One module per S3 process (a large process keeps its definition data in ``<process>_definition``);
shared parts are mixins (``driver_step``, ``objection_check``, ``nomination``); nested processes
(objection testing, resolution) are child processes.
``mits/`` is the Municipalities in Transition cycle. Process kinds reach workspaces through the
``s3flow.processes`` entry points, never by being imported.

Allowed imports: standard library, ``s3engine.core``, ``s3engine.org``, ``s3engine.errors``.
"""
