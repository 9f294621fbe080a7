from django.urls import path

from students import views

urlpatterns = [
    path("topics/<slug:slug>/papers/<int:entry_id>/claim/", views.claim_paper, name="claim_paper"),
    path("topics/<slug:slug>/papers/<int:entry_id>/switch/", views.switch_paper, name="switch_paper"),
    path("topics/<slug:slug>/release/", views.release_paper, name="release_paper"),
]
