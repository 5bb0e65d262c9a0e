"""`finder admin create USERNAME`: store an administrator for the /admin area."""

from __future__ import annotations

import click
from flask import current_app

from finder.trust import AdminError, create_admin


@click.group("admin")
def admin_group():
    """Administrators of the /admin area."""


@admin_group.command("create")
@click.argument("username")
@click.password_option(help="The password (asked twice when not given).")
def admin_create(username: str, password: str):
    """Create an administrator (or set a new password for an existing one)."""
    with current_app.extensions["sessionmaker"]() as session:
        try:
            create_admin(session, username, password)
        except AdminError as error:
            raise click.ClickException(str(error)) from None
        session.commit()
    click.echo(f"administrator {username!r} saved")


@admin_group.command("purge-unsubscribed")
def admin_purge_unsubscribed():
    """Delete subscriber data FINDER_DELETE_UNSUBSCRIBED_AFTER_DAYS after unsubscribing (also a daily job)."""
    from finder.trust import delete_unsubscribed

    config = current_app.config["FINDER"]
    with current_app.extensions["sessionmaker"]() as session:
        removed = delete_unsubscribed(session, config.DELETE_UNSUBSCRIBED_AFTER_DAYS)
        session.commit()
    click.echo(f"unsubscribed alerts deleted: {removed}")
