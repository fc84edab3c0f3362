"""The S3 and MiTS processes, each a process type on the generic contract (see s3engine.process)."""
