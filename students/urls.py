from django.urls import path

from students import proposal_views, staff_views, topic_page, views

urlpatterns = [
    path("topics/<slug:slug>/", topic_page.topic_detail, name="topic_detail"),
    path("topics/<slug:slug>/live/", topic_page.topic_live, name="topic_live"),
    path("topics/<slug:slug>/reading/", topic_page.update_reading, name="update_reading"),
    path("join/", views.join, name="join"),
    path("topics/<slug:slug>/me/", views.student_page, name="student_page"),
    path("topics/<slug:slug>/papers/<int:entry_id>/", views.paper_detail, name="paper_detail"),
    path("topics/<slug:slug>/papers/<int:entry_id>/progress/", views.update_progress, name="update_progress"),
    path("topics/<slug:slug>/papers/<int:entry_id>/claim/", views.claim_paper, name="claim_paper"),
    path("topics/<slug:slug>/papers/<int:entry_id>/switch/", views.switch_paper, name="switch_paper"),
    path("topics/<slug:slug>/release/", views.release_paper, name="release_paper"),
    path("topics/<slug:slug>/papers/<int:entry_id>/watch/", views.watch_paper, name="watch_paper"),
    path("topics/<slug:slug>/papers/<int:entry_id>/unwatch/", views.unwatch_paper, name="unwatch_paper"),
    path("topics/<slug:slug>/propose/", proposal_views.propose, name="propose"),
    path("topics/<slug:slug>/roster/", staff_views.roster, name="roster"),
    path("topics/<slug:slug>/roster/<int:user_id>/invitation/", staff_views.resend_invitation, name="roster_resend"),
]
