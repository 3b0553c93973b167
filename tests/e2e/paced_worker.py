"""`manage.py db_worker` whose tasks hold their first two unfinished progress reports of each phase
for a few seconds, so that the browser's progress page (which asks every two seconds) is sure to see
the bar at a row count and then move on, however fast the machine. Nothing else changes.

Run as:  python tests/e2e/paced_worker.py [db_worker options]
"""

import os
import sys
import time
from pathlib import Path

PAUSE_SECONDS = 3.0  # longer than task-progress.js's two seconds between questions
PAUSES_PER_PHASE = 2


def main() -> None:
    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import execute_from_command_line

    from competitions import tasks

    write_progress = tasks.write_progress
    paused: dict[tuple[str, str], int] = {}

    def paced(token: str, phase: str, done: int, total: int) -> None:
        write_progress(token, phase, done, total)
        if total and done < total and paused.get((token, phase), 0) < PAUSES_PER_PHASE:
            paused[token, phase] = paused.get((token, phase), 0) + 1
            time.sleep(PAUSE_SECONDS)

    tasks.write_progress = paced  # what tasks.Reporter calls
    execute_from_command_line([str(root / "manage.py"), "db_worker", *sys.argv[1:]])


if __name__ == "__main__":
    main()
