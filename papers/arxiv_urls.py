from django.urls import path

from papers import arxiv_views

urlpatterns = [
    path("arxiv/import/", arxiv_views.import_page, name="arxiv_import"),
    path("arxiv/import/start/", arxiv_views.start_import, name="arxiv_import_start"),
    path("arxiv/enrich/", arxiv_views.start_enrichment, name="arxiv_enrich"),
    path("arxiv/refresh/", arxiv_views.start_refresh, name="arxiv_refresh"),
    path("arxiv/jobs/", arxiv_views.job_list, name="arxiv_jobs"),
    path("arxiv/jobs/<int:pk>/", arxiv_views.job_detail, name="arxiv_job"),
    path("arxiv/matches/", arxiv_views.match_list, name="arxiv_matches"),
    path("arxiv/matches/<int:pk>/accept/", arxiv_views.accept_match, name="arxiv_match_accept"),
    path("arxiv/matches/<int:pk>/dismiss/", arxiv_views.dismiss_match, name="arxiv_match_dismiss"),
]
