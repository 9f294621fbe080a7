"""The product's URLs, plus the bare baselines under /bare/ (bench/bare.py): served by `make bench` only."""

from django.urls import include, path

from bench import bare

urlpatterns = [
    path("bare/topics/<int:topic_id>/", bare.topic, name="bare_topic"),
    path("bare/topics/<int:topic_id>/rows/", bare.rows, name="bare_rows"),
    path("bare/topics/<int:topic_id>/students/", bare.students, name="bare_students"),
    path("bare/topics/<int:topic_id>/students/<int:user_id>/claim/<int:entry_id>/", bare.claim, name="bare_claim"),
    path("bare/topics/<int:topic_id>/students/<int:user_id>/release/<int:entry_id>/", bare.release, name="bare_release"),
    path("bare/entries/", bare.entries, name="bare_entries"),
    path("bare/topics/", bare.topics, name="bare_topics"),
    path("", include("readinglist.urls")),
]

handler400 = "readinglist.errors.bad_request"
handler403 = "readinglist.errors.permission_denied"
handler404 = "readinglist.errors.page_not_found"
handler500 = "readinglist.errors.server_error"
