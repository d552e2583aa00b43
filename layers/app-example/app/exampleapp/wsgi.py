"""The WSGI entry point gunicorn (or Apache's mod_wsgi) serves: exampleapp.wsgi:application."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exampleapp.settings")
application = get_wsgi_application()
