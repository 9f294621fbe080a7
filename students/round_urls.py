from django.urls import path

from students import round_views as views

one = "rounds/<int:pk>/"

urlpatterns = [
    path("rounds/", views.round_list, name="rounds"),
    path("topics/<slug:slug>/rounds/", views.topic_rounds, name="topic_rounds"),
    path(one, views.round_detail, name="round_detail"),
    path(f"{one}ranking/", views.save_ranking, name="round_ranking"),
    path(f"{one}manage/", views.round_manage, name="round_manage"),
    path(f"{one}manage/deadline/", views.set_deadline, name="round_deadline"),
    path(f"{one}manage/close/", views.close_rankings, name="round_close"),
    path(f"{one}manage/allocate/", views.allocate, name="round_allocate"),
    path(f"{one}manage/move/", views.move_student, name="round_move"),
    path(f"{one}manage/publish/", views.publish, name="round_publish"),
    path(f"{one}manage/cancel/", views.cancel, name="round_cancel"),
]
