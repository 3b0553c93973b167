"""Photos: the office uploads several at once to a competition and tags them with entries; every
logged-in role looks at them one by one (photos are personal data: never shown to anonymous visitors,
whom LoginRequiredMiddleware sends to the login page)."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import F, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from competitions import tasks
from competitions.forms import PhotoTagForm, PhotoUploadForm
from competitions.models import Competition, Entry, Photo


@permission_required("competitions.add_photo", raise_exception=True)
def photo_upload(request, pk):
    competition = get_object_or_404(Competition, pk=pk)
    form = PhotoUploadForm(request.POST or None, request.FILES or None, competition=competition)
    if request.method == "POST" and form.is_valid():
        photos = form.save(user=request.user)
        tasks.enqueue_thumbnails(photos)  # sent to the task worker once the rows are committed
        uploaded = ngettext("%(count)d photo uploaded.", "%(count)d photos uploaded.", len(photos)) % {
            "count": len(photos)
        }
        background = ngettext(
            "Its thumbnail is being made in the background; until then the page shows the original.",
            "Their thumbnails are being made in the background; until then the page shows the originals.",
            len(photos),
        )
        messages.success(request, f"{uploaded} {background}")
        return redirect(competition.get_absolute_url() + "#photos")
    return render(request, "competitions/photo_upload.html", {"competition": competition, "form": form})


@permission_required("competitions.change_photo", raise_exception=True)
def photo_edit(request, pk):
    photo = get_object_or_404(Photo.objects.select_related("competition"), pk=pk)
    competition = photo.competition
    if request.method == "POST" and "delete" in request.POST:
        if not request.user.has_perm("competitions.delete_photo"):
            raise PermissionDenied
        photo.delete()  # the history keeps the record; the files stay for recovery
        messages.success(request, _("Photo deleted."))
        return redirect(competition.get_absolute_url() + "#photos")
    form = PhotoTagForm(request.POST or None, instance=photo)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Photo saved."))
        return redirect(photo)
    return render(
        request, "competitions/photo_edit.html", {"photo": photo, "competition": competition, "form": form}
    )


def photo_detail(request, pk):
    """One photo large, with its caption, credit and the entries it shows (members linked), and the
    previous and next photos of its competition in the gallery's order."""
    tagged = (
        Entry.objects.with_people()
        .select_related("event")
        .order_by("event__name", "event_id", F("rank").asc(nulls_last=True), "id")
    )
    photo = get_object_or_404(
        Photo.objects.select_related("competition").prefetch_related(Prefetch("entries", queryset=tagged)),
        pk=pk,
    )
    siblings = Photo.objects.filter(competition_id=photo.competition_id).only("pk", "caption", "image")
    return render(
        request,
        "competitions/photo_detail.html",
        {
            "photo": photo,
            "competition": photo.competition,
            "previous": siblings.filter(pk__lt=photo.pk).order_by("-pk").first(),
            "next": siblings.filter(pk__gt=photo.pk).order_by("pk").first(),
        },
    )
