"""The source catalogue: data/sources.toml, its run-time overlay, licences."""
