"""The journal: events, the hash chain and the durable append-only store.

The journal is the only authority of a workspace; everything else is derived from it. This layer
knows nothing of processes: it stores, chains, verifies and reads events.

Allowed imports: standard library, ``filelock``, ``cryptography``, ``s3engine.errors``.
"""
