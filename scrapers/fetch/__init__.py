"""The only network I/O: the fetcher (robots.txt, per-host delay, retries, size caps), its parts, the SSRF guard."""
