from papers import arxiv_jobs
from papers.management.commands.import_arxiv import JobCommand


class Command(JobCommand):
    help = "Ask arXiv again about every paper with an identifier; record new versions (run it daily)."

    def handle(self, *args, **options) -> None:
        self.run(self.start(arxiv_jobs.start_refresh))
