"""``python -m s3engine`` runs the s3flow command line."""

from s3engine.cli.main import main

raise SystemExit(main())
