"""Trust: claims, moderation, suggestions, privacy, administrators."""
