from django.core.management.base import BaseCommand

from exampleapp.models import Visit


class Command(BaseCommand):
    help = "Print how many visits the site has had (the cron job logs it)."

    def handle(self, *args, **options):
        self.stdout.write(f"visits: {Visit.objects.count()}")
