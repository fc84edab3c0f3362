"""The pattern-language database: pattern model, database, search and pattern notebooks.

The record and its vocabulary (``model``), the schema (``schema``), pattern files (``file``) and the
folder read incrementally (``folder``); the database (``database``) with its query-side rows
(``row``), listings (``listing``) and step-to-phase mapping (``phase``); search: text analysis
(``text``), the index (``search``) and snippets (``snippet``); pattern notebooks: their layout
(``layout``), export and import (``notebook``), the reader of untrusted notebooks (``reader``) and
the Markdown sanitiser (``sanitiser``). Imported pattern notebooks are never executed and always
sanitised.

Allowed imports: standard library, ``PyYAML``, ``nbformat``, ``nh3``, ``markdown-it-py``,
``s3engine.core``, ``s3engine.errors``, ``s3engine.shipped``, ``s3engine.version``.
"""
