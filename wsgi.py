from finder import create_app
app = create_app()
