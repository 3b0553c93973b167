"""Photo thumbnails made in the background (issue 10, section 1): the upload stores the originals and
the rows, a task queued on commit makes the thumbnails, idempotently, and the competition page shows
how far it has got. The last test queues in the database and runs the real `manage.py db_worker`.
"""

import io
import json
import logging
import os
import re
import subprocess
import sys
import textwrap

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from PIL import Image

from competitions import tasks
from competitions.models import Photo
from competitions.photos import make_thumbnail_of, save_photos
from tests.competitions.test_import_concurrency import (  # noqa: F401 (fixtures)
    PROCESS_SECONDS,
    ROOT,
    shared_db,
    sqlite_template,
)
from tests.competitions.test_photos import RED, sideways_jpeg
from tests.factories import make_competition
from tests.test_pages import QUERY_BUDGETS

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


# With REDIS_URL the Task objects are made for RQ when competitions.tasks is imported: the database
# queue cannot be switched on for a test, so these run in the passes without Redis.
DATABASE_QUEUE_ONLY = pytest.mark.skipif(
    bool(os.environ.get("REDIS_URL")), reason="with REDIS_URL the queue is RQ's"
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASK_PROGRESS_DIR = tmp_path / "progress"
    settings.TASKS = DATABASE_QUEUE  # the default without REDIS_URL: queued until a worker takes it
    return settings.MEDIA_ROOT


def jpeg(name: str, size=(64, 48)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, RED).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def thumbnail_files(media) -> list:
    return sorted(media.rglob("thumbs/*.jpg"))


def uploaded(django_capture_on_commit_callbacks, count=3, **kwargs) -> list[Photo]:
    """A batch stored and committed, as the upload view does; its task queued in the database, not run."""
    with django_capture_on_commit_callbacks(execute=True):
        photos = save_photos(
            competition=kwargs.pop("competition", None) or make_competition(),
            files=[jpeg(f"{i}.jpg") for i in range(count)],
            **kwargs,
        )
        tasks.enqueue_thumbnails(photos)
    return photos


def run_queued_task() -> int:
    """What the worker does with the one task queued."""
    [queued] = DBTaskResult.objects.all()
    return tasks.make_thumbnails.call(*queued.args_kwargs["args"])


def upload_url(competition) -> str:
    return reverse("competitions:photo-upload", args=[competition.pk])


@DATABASE_QUEUE_ONLY
@pytest.mark.django_db
def test_the_upload_stores_originals_and_rows_and_queues_the_thumbnails_on_commit(
    office_client, media, django_capture_on_commit_callbacks
):
    competition = make_competition()
    with django_capture_on_commit_callbacks() as callbacks:
        response = office_client.post(
            upload_url(competition),
            {"images": [SimpleUploadedFile("up.jpg", sideways_jpeg()), jpeg("b.jpg")]},
        )
        assert response.status_code == 302
    assert not DBTaskResult.objects.exists()  # nothing queued before the commit
    photos = list(Photo.objects.order_by("pk"))
    assert len(photos) == 2
    for photo in photos:
        assert photo.image and (media / photo.image.name).is_file()
        assert not photo.thumbnail
    assert thumbnail_files(media) == []

    for callback in callbacks:  # the commit
        callback()
    [queued] = DBTaskResult.objects.all()
    assert queued.status == "READY"
    assert queued.args_kwargs["args"] == [[p.pk for p in photos], f"thumbnails-{competition.pk}"]
    progress = tasks.thumbnail_progress(competition.pk)
    assert (progress["phase"], progress["done"], progress["total"]) == ("queued", 0, 2)
    assert not Photo.objects.exclude(thumbnail="").exists()  # the worker has not run yet

    assert run_queued_task() == 2
    upright = Photo.objects.get(pk=photos[0].pk)
    with Image.open(upright.thumbnail.path) as thumbnail:
        assert thumbnail.size == (240, 480)  # the sideways photo, upright
        assert thumbnail.convert("RGB").getpixel((120, 60))[0] > 200
    assert all(photo.thumbnail for photo in Photo.objects.all())
    assert tasks.thumbnail_progress(competition.pk) is None  # done: the page shows no bar


@pytest.mark.django_db
def test_a_refused_upload_queues_nothing(office_client, media, django_capture_on_commit_callbacks):
    bad = SimpleUploadedFile("notes.jpg", b"text", content_type="image/jpeg")
    competition = make_competition()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = office_client.post(upload_url(competition), {"images": [jpeg("a.jpg"), bad]})
    assert response.status_code == 200 and "notes.jpg" in response.content.decode()
    assert callbacks == []
    assert not DBTaskResult.objects.exists() and not Photo.objects.exists()
    assert tasks.thumbnail_progress(competition.pk) is None


@pytest.mark.django_db
def test_running_the_task_again_makes_nothing_new(media, django_capture_on_commit_callbacks):
    photos = uploaded(django_capture_on_commit_callbacks)
    assert run_queued_task() == 3
    names = sorted(Photo.objects.values_list("thumbnail", flat=True))
    files = thumbnail_files(media)
    assert len(files) == 3

    assert tasks.make_thumbnails.call([p.pk for p in photos]) == 0
    assert sorted(Photo.objects.values_list("thumbnail", flat=True)) == names
    assert thumbnail_files(media) == files


@pytest.mark.django_db
def test_a_photo_deleted_before_its_turn_is_skipped(media, django_capture_on_commit_callbacks):
    first, gone, last = uploaded(django_capture_on_commit_callbacks)
    gone.delete()
    assert run_queued_task() == 2
    assert all(Photo.objects.get(pk=p.pk).thumbnail for p in (first, last))
    assert len(thumbnail_files(media)) == 2


@pytest.mark.django_db
def test_a_thumbnail_another_run_recorded_first_is_not_recorded_twice(
    media, django_capture_on_commit_callbacks
):
    [photo] = uploaded(django_capture_on_commit_callbacks, count=1)
    stale = Photo.objects.get(pk=photo.pk)  # read before the other run recorded its thumbnail
    assert run_queued_task() == 1
    recorded = Photo.objects.get(pk=photo.pk).thumbnail.name

    assert make_thumbnail_of(stale) is False
    assert Photo.objects.get(pk=photo.pk).thumbnail.name == recorded
    assert [path.name for path in thumbnail_files(media)] == [recorded.rsplit("/", 1)[1]]


@pytest.mark.django_db
def test_a_photo_whose_original_is_missing_is_logged_and_skipped(media, caplog):
    competition = make_competition()
    lost = Photo.objects.create(competition=competition, image="photos/lost.jpg")
    with caplog.at_level(logging.WARNING, logger="competitions.photos"):
        assert tasks.make_thumbnails.call([lost.pk]) == 0
    assert f"no thumbnail for photo {lost.pk}" in caplog.text
    assert not Photo.objects.get(pk=lost.pk).thumbnail


class Killed(BaseException):
    """The worker process ending in the middle of the batch."""


@pytest.mark.django_db
def test_a_batch_stopped_half_way_is_finished_by_the_command(
    media, django_capture_on_commit_callbacks, monkeypatch
):
    from competitions import photos as photos_module

    batch = uploaded(django_capture_on_commit_callbacks, count=4)
    real = photos_module.make_thumbnail
    made = []

    def killed_at_the_third(original):
        if len(made) == 2:
            raise Killed
        made.append(original.name)
        return real(original)

    monkeypatch.setattr(photos_module, "make_thumbnail", killed_at_the_third)
    with pytest.raises(Killed):
        run_queued_task()
    assert [bool(Photo.objects.get(pk=p.pk).thumbnail) for p in batch] == [True, True, False, False]
    monkeypatch.setattr(photos_module, "make_thumbnail", real)

    out = io.StringIO()
    call_command("make_thumbnails", stdout=out)
    assert out.getvalue() == "Made 2 thumbnails.\n"
    assert all(photo.thumbnail for photo in Photo.objects.all())
    assert len(thumbnail_files(media)) == 4
    call_command("make_thumbnails", stdout=out)
    assert out.getvalue().endswith("Made 0 thumbnails.\n")


@pytest.mark.django_db
def test_the_command_can_queue_the_missing_thumbnails_for_the_worker(
    media, django_capture_on_commit_callbacks
):
    one, other = make_competition("甲赛", year=2024), make_competition("乙赛", year=2024)
    missing = [Photo.objects.create(competition=c, image=f"photos/{c.pk}.jpg") for c in (one, other, one)]
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):  # (outside a test: at once)
        call_command("make_thumbnails", "--background", stdout=out)
    assert out.getvalue() == "Queued the thumbnails of 3 photos.\n"
    queued = sorted(result.args_kwargs["args"] for result in DBTaskResult.objects.all())
    assert queued == sorted(
        [
            [[missing[0].pk, missing[2].pk], f"thumbnails-{one.pk}"],
            [[missing[1].pk], f"thumbnails-{other.pk}"],
        ]
    )


# ---------------------------------------------------------------------------------------------
# The pages


@pytest.fixture
def office_client(client, django_user_model):
    from django.contrib.auth.models import Group

    from competitions import roles

    office = django_user_model.objects.create_user("office", password="a-long-test-password")
    office.groups.add(Group.objects.get(name=roles.OFFICE))
    client.force_login(office)
    return client


def photo_section(page: str) -> str:
    return page[page.index('<section id="photos">') :].split("</section>", 1)[0]


@DATABASE_QUEUE_ONLY
@pytest.mark.django_db
def test_the_upload_says_thumbnails_are_coming_and_the_page_shows_originals_and_the_progress(
    office_client, media, django_capture_on_commit_callbacks
):
    competition = make_competition()
    with django_capture_on_commit_callbacks(execute=True):
        response = office_client.post(
            upload_url(competition), {"images": [jpeg("a.jpg"), jpeg("b.jpg")]}, follow=True
        )
    page = response.content.decode()
    assert "2 photos uploaded. Their thumbnails are being made in the background" in page
    # The request answered before the worker ran: the originals are shown, and how far it has got.
    section = photo_section(office_client.get(competition.get_absolute_url()).content.decode())
    for photo in Photo.objects.all():
        assert f'<img src="{photo.image.url}"' in section
    assert "Making thumbnails: 0 of 2" in section and '<progress max="2" value="0">' in section

    run_queued_task()
    section = photo_section(office_client.get(competition.get_absolute_url()).content.decode())
    for photo in Photo.objects.all():
        assert f'<img src="{photo.thumbnail.url}"' in section
    assert "<progress" not in section and "Making thumbnails" not in section


@pytest.mark.django_db
def test_the_competition_page_shows_the_batch_in_progress_within_its_query_budget(
    office_client, media, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    competition = make_competition()
    uploaded(django_capture_on_commit_callbacks, count=2, competition=competition)
    tasks.clear_progress(tasks.thumbnails_token(competition.pk))
    url = competition.get_absolute_url()
    office_client.get(url)  # the page's cached parts are filled
    with CaptureQueriesContext(connection) as without_progress:
        assert "Making thumbnails" not in office_client.get(url).content.decode()

    tasks.write_progress(tasks.thumbnails_token(competition.pk), "thumbnails", 12, 40)
    with (
        CaptureQueriesContext(connection) as with_progress,
        django_assert_max_num_queries(QUERY_BUDGETS["competition-detail"]),
    ):
        page = office_client.get(url).content.decode()
    assert len(with_progress) == len(without_progress)
    section = photo_section(page)
    assert "Making thumbnails: 12 of 40" in section
    assert '<progress max="40" value="12">12 / 40</progress>' in section
    assert f'<a href="{url}#photos">Reload</a>' in section
    # Strict CSP: no inline script, style or handler.
    assert not re.search(r"<script(?![^>]*\bsrc=)|\sstyle=|\son[a-z]+=", section)


@pytest.mark.django_db
def test_a_batch_that_stopped_moving_is_said_so(
    office_client, media, settings, django_capture_on_commit_callbacks
):
    competition = make_competition()
    uploaded(django_capture_on_commit_callbacks, count=1, competition=competition)
    tasks.write_progress(tasks.thumbnails_token(competition.pk), "thumbnails", 12, 40)
    settings.TASK_STUCK_SECONDS = -1  # every report is old
    section = photo_section(office_client.get(competition.get_absolute_url()).content.decode())
    assert "Thumbnails made: 12 of 40. Nothing has moved for a while" in section
    assert "<progress" not in section


@pytest.mark.django_db
def test_the_upload_page_says_thumbnails_are_made_afterwards(office_client):
    page = office_client.get(
        reverse("competitions:photo-upload", args=[make_competition().pk])
    ).content.decode()
    assert "The thumbnails are made in the background after the upload" in page


# ---------------------------------------------------------------------------------------------
# The database queue and the real worker, in processes of their own


def manage(env, *arguments) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=PROCESS_SECONDS,
    )
    assert done.returncode == 0, done.stderr
    return done


def shell(env, code: str):
    return json.loads(manage(env, "shell", "--no-imports", "-c", textwrap.dedent(code)).stdout)


STATE = """
    import json
    from competitions.models import Photo
    from django_tasks_db.models import DBTaskResult
    print(json.dumps({
        "photos": [[p.image.name, p.thumbnail.name, p.image.storage.exists(p.thumbnail.name) if p.thumbnail else False]
                   for p in Photo.objects.order_by("pk")],
        "tasks": sorted(str(r.status) for r in DBTaskResult.objects.all()),
    }))
"""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_database_queue_and_its_worker_make_the_thumbnails(shared_db, tmp_path):  # noqa: F811
    env = {**shared_db, "DJANGO_TASK_PROGRESS_DIR": str(tmp_path / "progress")}
    env.pop("REDIS_URL", None)  # the database's own queue
    shell(
        env,
        """
        import io, json
        from django.core.files.uploadedfile import SimpleUploadedFile
        from PIL import Image
        from competitions.models import Competition
        from competitions.photos import save_photos
        from competitions.tasks import enqueue_thumbnails

        def jpeg(name):
            buffer = io.BytesIO()
            Image.new("RGB", (640, 480), "red").save(buffer, "JPEG")
            return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")

        competition = Competition.objects.create(name="缩略图测试赛", year=2024, level="provincial")
        enqueue_thumbnails(save_photos(competition=competition, files=[jpeg(f"{i}.jpg") for i in range(5)]))
        print(json.dumps(competition.pk))
        """,
    )
    before = shell(env, STATE)
    assert before["tasks"] == ["READY"]
    assert len(before["photos"]) == 5 and all(thumbnail == "" for _, thumbnail, _ in before["photos"])

    manage(env, "db_worker", "--interval", "0.1", "--batch", "--no-reload")
    after = shell(env, STATE)
    assert after["tasks"] == ["SUCCESSFUL"]
    assert [image for image, _, _ in after["photos"]] == [image for image, _, _ in before["photos"]]
    assert all(thumbnail.endswith(".jpg") and exists for _, thumbnail, exists in after["photos"])
    assert not os.listdir(tmp_path / "progress")  # the progress record is gone with the batch
