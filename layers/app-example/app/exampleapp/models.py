from django.db import models


class Visit(models.Model):
    """One row per page view: shows that the data lives in the volume and survives a new container."""

    at = models.DateTimeField(auto_now_add=True)
