import io
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from PIL import Image

from competitions import roles
from competitions.models import Photo
from competitions.photos import make_thumbnail_of
from tests.factories import make_coach, make_competition, make_entry, make_event, make_student

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


# Tagging: entries named by their members, grouped by event


def test_tag_choices_name_the_members_so_two_home_bronzes_can_be_told_apart(client, django_user_model):
    logged_in(client, django_user_model, roles.OFFICE)
    competition = make_competition()
    robots = make_event(competition, name="移动机器人", is_team=True)
    make_entry(robots, members=[make_student("郑泽鑫"), make_student("黄子轩")], award="铜牌", rank=3)
    make_entry(robots, members=[make_student("何昊林"), "外校队员"], award="铜牌", rank=3)
    make_entry(make_event(competition, name="机电一体化"), members=[make_student("周玮")], award="金牌")
    for url in (
        reverse("competitions:photo-upload", args=[competition.pk]),
        reverse(
            "competitions:photo-edit",
            args=[Photo.objects.create(competition=competition, image="photos/x.jpg").pk],
        ),
    ):
        page = client.get(url).content.decode()
        # One group per event, in the order of their names; the members in their order.
        assert page.index('<optgroup label="机电一体化">') < page.index('<optgroup label="移动机器人">')
        robots_group = page[page.index('<optgroup label="移动机器人">') :]
        assert "郑泽鑫、黄子轩 · 铜牌 · rank 3" in robots_group
        assert "何昊林、外校队员 · 铜牌 · rank 3" in robots_group


def test_tag_choices_take_the_same_queries_for_many_entries(client, django_user_model):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    logged_in(client, django_user_model, roles.OFFICE)
    competition = make_competition()
    event = make_event(competition, is_team=True)
    make_entry(event, members=["甲", "乙"])
    url = reverse("competitions:photo-upload", args=[competition.pk])
    client.get(url)  # sessions, permissions and the like cached
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for number in range(15):
        make_entry(
            make_event(competition, is_team=True), members=[f"队员{number}", make_student()], award="银牌"
        )
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert "队员14" in page
    assert len(many) == len(few)


# The photo page


def photo_of(competition, *, caption="", entries=(), **fields):
    photo = Photo.objects.create(
        competition=competition, image=f"photos/{caption or 'p'}.jpg", caption=caption, **fields
    )
    photo.entries.set(entries)
    return photo


def test_the_photo_page_shows_the_photo_large_with_the_entries_and_their_members(client, django_user_model):
    logged_in(client, django_user_model, roles.TEACHERS)
    competition = make_competition()
    student = make_student("郑泽鑫")
    entry = make_entry(
        make_event(competition, name="移动机器人", is_team=True), members=[student, "外校队员"]
    )
    photo = photo_of(competition, caption="<b>颁奖</b>", credit="宣传部", entries=[entry])
    response = client.get(reverse("competitions:photo-detail", args=[photo.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<img src="{photo.image.url}"' in page  # the original, not the 480 px thumbnail
    assert "&lt;b&gt;颁奖&lt;/b&gt;" in page and "<b>颁奖</b>" not in page
    assert "宣传部" in page and "移动机器人" in page
    assert f'<a href="{student.get_absolute_url()}">郑泽鑫</a>' in page and "外校队员" in page
    # A teacher reads it; only the office edits or deletes.
    assert reverse("competitions:photo-edit", args=[photo.pk]) not in page


def test_the_photo_page_has_edit_and_delete_for_the_office(client, django_user_model):
    logged_in(client, django_user_model, roles.OFFICE)
    photo = photo_of(make_competition())
    page = client.get(photo.get_absolute_url()).content.decode()
    edit = reverse("competitions:photo-edit", args=[photo.pk])
    assert f'<a href="{edit}">' in page
    assert f'action="{edit}"' in page and 'name="delete"' in page
    response = client.post(edit, {"delete": "1"})
    assert response.status_code == 302 and not Photo.objects.filter(pk=photo.pk).exists()


def test_the_photo_page_is_not_shown_to_anonymous_visitors(client):
    photo = photo_of(make_competition(), caption="领奖")
    response = client.get(photo.get_absolute_url())
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_photo_page_links_the_previous_and_next_photo_of_its_competition(client, django_user_model):
    logged_in(client, django_user_model, roles.TEACHERS)
    competition = make_competition()
    first, second = photo_of(competition, caption="一"), photo_of(competition, caption="二")
    photo_of(make_competition(), caption="别的赛事")
    third = photo_of(competition, caption="三")

    def pager(photo):
        response = client.get(photo.get_absolute_url())
        return response.context["previous"], response.context["next"]

    assert pager(first) == (None, second)
    assert pager(second) == (first, third)
    assert pager(third) == (second, None)
    page = client.get(second.get_absolute_url()).content.decode()
    assert f'<a href="{first.get_absolute_url()}" rel="prev">' in page
    assert f'<a href="{third.get_absolute_url()}" rel="next">' in page


def test_saving_a_photo_returns_to_its_page(client, django_user_model):
    logged_in(client, django_user_model, roles.OFFICE)
    photo = photo_of(make_competition())
    response = client.post(reverse("competitions:photo-edit", args=[photo.pk]), {"caption": "决赛"})
    assert response["Location"] == photo.get_absolute_url()


# The gallery and the timeline


def css_rule(selector: str) -> str:
    css = (Path(__file__).resolve().parents[2] / "static/css/site.css").read_text()
    start = css.index("\n" + selector + " {") + 1
    return css[start : css.index("}", start)]


def test_the_gallery_shows_whole_photos_linked_to_their_pages(client, django_user_model):
    logged_in(client, django_user_model, roles.OFFICE)
    competition = make_competition()
    photo = photo_of(competition, caption="领奖")
    page = client.get(competition.get_absolute_url()).content.decode()
    gallery = page[page.index('id="photos"') :]
    assert f'<a class="photo-frame" href="{photo.get_absolute_url()}"><img src="{photo.image.url}"' in gallery
    assert f'href="{reverse("competitions:photo-edit", args=[photo.pk])}"' in gallery  # the office edits
    # The picture keeps its own aspect inside the frame: no fixed box, no cropping.
    rule = css_rule(".photo-frame img")
    assert "width: auto" in rule and "height: auto" in rule and "max-height: 100%" in rule
    assert "object-fit: cover" not in rule


def test_teachers_see_the_gallery_without_edit_links(client, django_user_model):
    logged_in(client, django_user_model, roles.TEACHERS)
    competition = make_competition()
    photo = photo_of(competition)
    page = client.get(competition.get_absolute_url()).content.decode()
    assert photo.get_absolute_url() in page
    assert reverse("competitions:photo-edit", args=[photo.pk]) not in page


def test_timeline_thumbnails_are_the_large_rendition_linked_to_the_photo_page(client, django_user_model):
    logged_in(client, django_user_model, roles.TEACHERS)
    competition = make_competition()
    student = make_student("郑泽鑫")
    entry = make_entry(make_event(competition), members=[student])
    photo = Photo(competition=competition, caption="领奖")
    photo.image.save("p.jpg", jpeg(), save=False)
    photo.save()
    photo.entries.add(entry)
    assert make_thumbnail_of(photo)
    photo.refresh_from_db()
    page = client.get(student.get_absolute_url()).content.decode()
    timeline = page[page.index('id="timeline"') :]
    assert (
        f'<a href="{photo.get_absolute_url()}" class="timeline-photo"'
        f' title="Open the photo"><img src="{photo.thumbnail.url}"'
    ) in timeline
    rule = css_rule(".timeline-photo img")
    assert "max-width: 160px" in rule and "width: auto" in rule and "height: auto" in rule


def test_the_photo_page_reads_its_entries_in_a_fixed_number_of_queries(
    client, django_user_model, django_assert_max_num_queries
):
    logged_in(client, django_user_model, roles.OFFICE)
    competition = make_competition()
    entries = [
        make_entry(
            make_event(competition, is_team=True),
            members=[make_student(), f"外校{number}"],
            coaches=[make_coach()],
            award="铜牌",
        )
        for number in range(8)
    ]
    photo = photo_of(competition, entries=entries)
    client.get(photo.get_absolute_url())
    with django_assert_max_num_queries(12):
        page = client.get(photo.get_absolute_url()).content.decode()
    assert page.count("外校") == 8
