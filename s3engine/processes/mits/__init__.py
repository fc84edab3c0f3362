"""The Municipalities in Transition cycle: preparation, evaluation, co-design, co-implementation.

The process type is :class:`s3engine.processes.mits.cycle.MitsCycle` (the ``mits`` entry point);
its modules are listed in the docstring of :mod:`s3engine.processes.mits.cycle`. This package
imports none of them itself.

Allowed imports: standard library, ``PyYAML`` (instruments), ``s3engine.core``, ``s3engine.errors``.
"""
