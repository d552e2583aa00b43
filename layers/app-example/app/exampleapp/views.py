import django
from django.http import HttpResponse

from .models import Visit


def index(request):
    Visit.objects.create()
    return HttpResponse(
        f"Hello from nuwa's example app (Django {django.get_version()}). Visits: {Visit.objects.count()}\n",
        content_type="text/plain",
    )


def healthz(request):
    """The health URL (image label nuwa.health): answers without touching the database."""
    return HttpResponse("ok\n", content_type="text/plain")
