from django.urls import path

from papers import page_import_views, programme_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("programme/", programme_views.programme, name="programme"),
    path("programme/topics/<slug:slug>/join/", programme_views.join_open_topic, name="programme_join"),
    path("programme/topics/<slug:slug>/watch/", programme_views.watch_topic, name="programme_watch"),
    path("programme/topics/<slug:slug>/unwatch/", programme_views.unwatch_topic, name="programme_unwatch"),
    path("programme/overview/", programme_views.programme_overview, name="programme_overview"),
    path("programme/overview.csv", programme_views.programme_overview_csv, name="programme_overview_csv"),
    path("programme/import/", page_import_views.page_import, name="page_import"),
    path("programme/import/<int:pk>/", page_import_views.page_import_preview, name="page_import_preview"),
]
