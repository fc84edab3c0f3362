"""``python -m s3engine`` runs the s3flow command line."""

from .cli import main

raise SystemExit(main())
