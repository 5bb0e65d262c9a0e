from finder.web.app import create_app
from finder.web.extensions import warn_if_limits_per_worker

app = create_app()
warn_if_limits_per_worker(app)  # gunicorn's workers each count limits alone unless the store is shared
