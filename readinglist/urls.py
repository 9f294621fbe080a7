from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("papers.urls")),
    path("", include("students.urls")),
    path("", include("students.mentor_urls")),
    path("", include("papers.arxiv_urls")),
    path("", include("students.round_urls")),
]

handler400 = "readinglist.errors.bad_request"
handler403 = "readinglist.errors.permission_denied"
handler404 = "readinglist.errors.page_not_found"
handler500 = "readinglist.errors.server_error"
