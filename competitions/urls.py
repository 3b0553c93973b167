from django.urls import path

from competitions.views import (
    backups,
    changes,
    confirmations,
    entries,
    evidence,
    history,
    honours,
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
    # Evidence: certificate scans and result documents (personal data: every role reads, the
    # office adds and deletes; files only through these views, never /media/)
    path("entries/<int:pk>/evidence/", evidence.entry_evidence, name="entry-evidence"),
    path("evidence/scans/<int:pk>/edit/", evidence.scan_edit, name="scan-edit"),
    path("evidence/scans/<int:pk>/delete/", evidence.scan_delete, name="scan-delete"),
    path("evidence/scans/<int:pk>/file", evidence.scan_file, name="scan-file"),
    path("evidence/scans/<int:pk>/preview.jpg", evidence.scan_preview, name="scan-preview"),
    path("<int:pk>/documents/", evidence.result_document_list, name="result-document-list"),
    path("<int:pk>/documents/new/", evidence.result_document_create, name="result-document-create"),
    path("documents/<int:pk>/", evidence.result_document_detail, name="result-document-detail"),
    path("documents/<int:pk>/edit/", evidence.result_document_edit, name="result-document-edit"),
    path("documents/<int:pk>/file", evidence.result_document_file, name="result-document-file"),
    path("documents/<int:pk>/preview.jpg", evidence.result_document_preview, name="result-document-preview"),
    # Honours that results lead to (every role reads; the office records; never public)
    path("honours/records/", honours.honour_list, name="honour-list"),
    path("honours/records/new/", honours.honour_create, name="honour-create"),
    path("honours/records/<int:pk>/edit/", honours.honour_edit, name="honour-edit"),
    path("honours/records/<int:pk>/delete/", honours.honour_delete, name="honour-delete"),
]
