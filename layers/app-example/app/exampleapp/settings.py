"""Settings for nuwa's example app. Everything a deployment changes comes from the environment (nuwa.env)."""
import os
from urllib.parse import unquote, urlparse


def database(url):
    """DATABASE_URL: sqlite:////absolute/path, or postgres://user:password@host:port/name (needs psycopg2)."""
    parts = urlparse(url)
    if parts.scheme == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": unquote(parts.path)}
    if parts.scheme in ("postgres", "postgresql"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
        }
    raise ValueError(f"DATABASE_URL: unsupported scheme {parts.scheme!r} (sqlite or postgres)")


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-app-not-a-secret")
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
INSTALLED_APPS = ["exampleapp"]
MIDDLEWARE = []
ROOT_URLCONF = "exampleapp.urls"
WSGI_APPLICATION = "exampleapp.wsgi.application"
DATABASES = {"default": database(os.environ.get("DATABASE_URL", "sqlite:////var/lib/exampleapp/db.sqlite3"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
