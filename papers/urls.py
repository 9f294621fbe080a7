from django.urls import path

from papers import page_import_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("programme/import/", page_import_views.page_import, name="page_import"),
    path("programme/import/<int:pk>/", page_import_views.page_import_preview, name="page_import_preview"),
]
