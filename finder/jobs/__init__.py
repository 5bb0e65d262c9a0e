"""The scheduler's jobs: the job table, cross-process locks, job health."""
