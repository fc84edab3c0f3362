"""The core: the generic process contract, the workspace, the registry, the query side, snapshots.

A workspace replays its journal into process objects (see :mod:`s3engine.core.process`) and
query-side tables (:mod:`s3engine.core.projection`), learning what it can run from the registry
(:mod:`s3engine.core.registry`). No S3 process lives here: processes are plugged in.

Allowed imports: standard library, ``transitions``, ``tinydb``, ``s3engine.journal``,
``s3engine.errors``.
"""
