"""Email out: building messages, the outbox, sending."""
