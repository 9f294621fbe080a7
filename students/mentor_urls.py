from django.urls import path

from students import mentor_views as views

mentor = "topics/<slug:slug>/mentor/"
student = f"{mentor}students/<int:user_id>/"

urlpatterns = [
    path(mentor, views.dashboard, name="mentor_dashboard"),
    path(f"{mentor}grid/", views.grid, name="mentor_grid"),
    path(f"{mentor}proposals/", views.proposals, name="mentor_proposals"),
    path(f"{mentor}proposals/<int:claim_id>/approve/", views.approve_proposal, name="mentor_approve_proposal"),
    path(f"{mentor}proposals/<int:claim_id>/reject/", views.reject_proposal, name="mentor_reject_proposal"),
    path(student, views.student, name="mentor_student"),
    path(f"{student}assign/", views.assign_paper, name="mentor_assign_paper"),
    path(f"{student}move/", views.move_student, name="mentor_move_student"),
    path(f"{student}release/", views.release_claim, name="mentor_release_claim"),
    path(f"{student}feedback/", views.add_feedback, name="mentor_add_feedback"),
    path(f"{mentor}schedule/", views.schedule_page, name="mentor_schedule"),
    path(f"{mentor}schedule/<int:claim_id>/slot/", views.set_slot, name="mentor_set_slot"),
    path(f"{mentor}schedule/<int:claim_id>/presentation/", views.record_presentation, name="mentor_record_presentation"),
    path(f"{mentor}schedule.ics", views.schedule_ics, name="mentor_schedule_ics"),
    path(f"{mentor}claims.csv", views.claims_csv, name="mentor_claims_csv"),
    path(f"{mentor}settings/", views.topic_settings, name="mentor_settings"),
]
