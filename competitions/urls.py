from django.urls import path

from competitions.views import (
    backups,
    changes,
    confirmations,
    entries,
    history,
    leaderboards,
    office,
    pages,
    photos,
    sheets,
    skills,
)

app_name = "competitions"
urlpatterns = [
    # Reading (every role)
    path("", pages.CompetitionListView.as_view(), name="competition-list"),
    path("<int:pk>/", pages.competition_detail, name="competition-detail"),
    # Public (anonymous), only when settings.PUBLIC_RESULTS is on
    path("honours/", pages.honours, name="honours"),
    # Skills across competitions and years (every role)
    path("skills/", skills.skill_list, name="skill-list"),
    path("skills/<int:pk>/", skills.skill_detail, name="skill-detail"),
    path("skills/<int:pk>/edit/", skills.skill_edit, name="skill-edit"),
    # Leaderboards, tallies and the annual summary (every role)
    path("leaderboards/", leaderboards.leaderboard, name="leaderboard"),
    path("tallies/", leaderboards.pivot, name="pivot"),
    path("tallies/entries/", leaderboards.pivot_entries, name="pivot-entries"),
    path("summary/", leaderboards.annual_summary, name="annual-summary"),
    path("summary/<int:year>.xlsx", leaderboards.annual_summary_xlsx, name="annual-summary-xlsx"),
    path("summary/<int:year>.docx", leaderboards.annual_summary_docx, name="annual-summary-docx"),
    path("<int:pk>/weights/", leaderboards.competition_weights, name="competition-weights"),
    # Recording results (competition office)
    path("new/", entries.competition_create, name="competition-create"),
    path("events/<int:pk>/entries/", entries.event_entries, name="event-entries"),
    # Changing what was created (competition office)
    path("<int:pk>/edit/", office.competition_edit, name="competition-edit"),
    path("<int:pk>/events/new/", office.event_add, name="event-add"),
    path("events/<int:pk>/edit/", office.event_edit, name="event-edit"),
    path("awards/", office.award_list, name="award-list"),
    path("people.json", entries.people_search, name="people-search"),
    # Importing sheets (competition office)
    path("import/", sheets.import_upload, name="import-upload"),
    path("backups/", backups.backup_list, name="backup-list"),
    path("backups/<str:name>", backups.backup_download, name="backup-download"),
    path("import/<str:token>/", sheets.import_preview, name="import-preview"),
    path("import-template.xlsx", sheets.import_template, name="import-template"),
    # Photos (office uploads and tags; every role sees them)
    path("<int:pk>/photos/", photos.photo_upload, name="photo-upload"),
    path("photos/<int:pk>/", photos.photo_detail, name="photo-detail"),
    path("photos/<int:pk>/edit/", photos.photo_edit, name="photo-edit"),
    # A second pair of eyes: unconfirmed results (every role reads; office users confirm)
    path("<int:pk>/unconfirmed/", confirmations.unconfirmed, name="unconfirmed"),
    path("entries/<int:pk>/confirm/", confirmations.entry_confirm, name="entry-confirm"),
    # Audit trail (every role reads it; the office restores)
    path("changes/", changes.recent_changes, name="recent-changes"),
    path("entries/<int:pk>/history/", history.entry_history, name="entry-history"),
    path("events/<int:pk>/deleted/", history.deleted_entries, name="deleted-entries"),
    path("entries/<int:pk>/restore/", history.entry_restore, name="entry-restore"),
]
