"""The Flask site: app, extensions, security, i18n, display, feeds, structured data, API, views."""
