"""Import: runs of sources, prepare, identity and merge, writes, liveness, organisations, upkeep."""
