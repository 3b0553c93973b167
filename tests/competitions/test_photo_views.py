import io

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from PIL import Image

from competitions import roles
from competitions.models import Photo
from tests.factories import make_competition, make_entry, make_event, make_student

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASK_PROGRESS_DIR = tmp_path / "progress"
    return settings.MEDIA_ROOT


def jpeg(name="p.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def logged_in(client, django_user_model, role):
    user = django_user_model.objects.create_user(role, password="a-long-test-password")
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)
    return user


def test_the_office_uploads_several_photos_tagged_with_an_entry(client, django_user_model, media, settings):
    logged_in(client, django_user_model, roles.OFFICE)
    competition = make_competition()
    student = make_student("何昊林")
    entry = make_entry(make_event(competition), members=[student])
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    with TestCase.captureOnCommitCallbacks(execute=True):  # the thumbnail task runs on commit
        response = client.post(
            reverse("competitions:photo-upload", args=[competition.pk]),
            {"images": [jpeg("a.jpg"), jpeg("b.jpg")], "caption": "<b>颁奖</b>", "entries": [entry.pk]},
        )
    assert response.status_code == 302
    assert Photo.objects.count() == 2
    assert all(photo.thumbnail for photo in Photo.objects.all())
    # The photos appear on the competition, escaped, and on the member's history.
    page = client.get(competition.get_absolute_url()).content.decode()
    assert "&lt;b&gt;颁奖&lt;/b&gt;" in page and "<b>颁奖</b>" not in page
    history = client.get(student.get_absolute_url()).content.decode()
    assert Photo.objects.first().thumbnail.url in history


def test_a_bad_file_is_refused_on_the_form_and_nothing_is_stored(client, django_user_model, media):
    logged_in(client, django_user_model, roles.OFFICE)
    competition = make_competition()
    bad = SimpleUploadedFile("notes.jpg", b"not an image at all", content_type="image/jpeg")
    response = client.post(
        reverse("competitions:photo-upload", args=[competition.pk]), {"images": [jpeg(), bad]}
    )
    assert response.status_code == 200
    assert "notes.jpg" in response.content.decode()
    assert Photo.objects.count() == 0
    assert not any(path.is_file() for path in media.rglob("*"))


def test_tagging_a_photo_and_teachers_cannot(client, django_user_model):
    competition = make_competition()
    entry = make_entry(make_event(competition))
    photo = Photo.objects.create(competition=competition, image="photos/x.jpg")
    logged_in(client, django_user_model, roles.TEACHERS)
    assert (
        client.post(reverse("competitions:photo-edit", args=[photo.pk]), {"caption": "x"}).status_code == 403
    )
    logged_in(client, django_user_model, roles.OFFICE)
    response = client.post(
        reverse("competitions:photo-edit", args=[photo.pk]),
        {"caption": "决赛现场", "credit": "宣传部", "entries": [entry.pk]},
    )
    assert response.status_code == 302
    photo.refresh_from_db()
    assert (photo.caption, list(photo.entries.all())) == ("决赛现场", [entry])
