import time

from django.core.management.base import BaseCommand

from competitions.synthetic import generate


class Command(BaseCommand):
    help = "Create a deterministic synthetic data set of about N entries (for benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--entries", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, entries, seed, **options):
        start = time.perf_counter()
        counts = generate(entries=entries, seed=seed, log=self.stdout.write)
        seconds = time.perf_counter() - start
        self.stdout.write(
            "created " + ", ".join(f"{value} {key}" for key, value in counts.items()) + f" in {seconds:.1f} s"
        )
