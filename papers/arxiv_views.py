"""Staff pages of the arXiv import: preview and import, job progress, title matches; and the students' recent papers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import Exists, Max, OuterRef, Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from papers import arxiv_jobs, arxiv_recovery, catalogue, tasks
from papers.arxiv import ArxivEntry, ArxivError, InvalidArxivId, normalize_id_list
from papers.forms import SEARCH_PAGE_SIZE, IdsForm, ImportForm, SearchForm, TopicChoiceForm
from papers.models import ArxivMatch, Entry, ImportJob, MatchStatus, Paper, RecentPaper, Topic

SEARCH_FIELDS = frozenset({"title", "author", "category", "text"})
JOBS_SHOWN = 50
MATCHED_PAPERS_SHOWN = 200
RECENT_PAPERS_SHOWN = 12


@dataclass(frozen=True, slots=True)
class PreviewRow:
    arxiv_id: str
    title: str
    authors: list[str]
    published: date | None
    paper: Paper | None  # the catalogue's, when it has this paper
    topics: list[Topic]
    checked: bool


@dataclass
class Preview:
    rows: list[PreviewRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    total: int = 0  # search results in all pages
    page: int = 1

    @property
    def has_next(self) -> bool:
        return self.page * SEARCH_PAGE_SIZE < self.total


def preview_rows(ids: list[str], entries: dict[str, ArxivEntry], checked: set[str] | None = None) -> list[PreviewRow]:
    """What arXiv said (if asked) and what the catalogue holds; two queries whatever the number of ids.

    checked: the ids ticked for import; None ticks them all.
    """
    listed = Prefetch("entries", queryset=Entry.objects.select_related("topic").order_by("topic__slug"))
    papers = {paper.arxiv_id: paper for paper in Paper.objects.filter(arxiv_id__in=ids).prefetch_related(listed)}
    rows = []
    for arxiv_id in ids:
        paper, entry = papers.get(arxiv_id), entries.get(arxiv_id)
        rows.append(
            PreviewRow(
                arxiv_id=arxiv_id,
                title=entry.title if entry else (paper.title if paper else ""),
                authors=list(entry.authors if entry else (paper.authors if paper else [])),
                published=entry.published.date() if entry else None,
                paper=paper,
                topics=[listed_entry.topic for listed_entry in paper.entries.all()] if paper else [],
                checked=checked is None or arxiv_id in checked,
            )
        )
    return rows


def search_preview(form: SearchForm) -> Preview:
    data = form.cleaned_data
    try:
        page = arxiv_jobs.arxiv_client(interactive=True).search(
            title=data["title"], author=data["author"], category=data["category"], text=data["text"],
            start=form.start, max_results=SEARCH_PAGE_SIZE,
        )
    except ArxivError as error:
        return Preview(errors=[str(error)])
    found = {entry.arxiv_id: entry for entry in page.entries}
    rows = preview_rows(list(found), found, checked=set())
    return Preview(rows=rows, total=page.total, page=data["page"] or 1)


def _render(request: HttpRequest, template: str, partial: str, context: dict, status: int = 200) -> HttpResponse:
    """The whole page, or only its swappable region for HTMX."""
    return render(request, f"{template}#{partial}" if request.htmx else template, context, status=status)


def _form_errors(form: IdsForm | SearchForm) -> list[str]:
    return [error for errors in form.errors.values() for error in errors]


@require_http_methods(["GET", "POST"])
@staff_member_required
def import_page(request: HttpRequest) -> HttpResponse:
    """A search (GET) or pasted identifiers (POST: a long list does not fit in a URL) shown before import; writes nothing."""
    if request.htmx and request.htmx.target == "import-categories":
        # The topic select changed: only the chosen topic's categories.
        form = ImportForm(initial={"topic": request.GET.get("topic")})
        return render(request, "arxiv/import.html#import-categories", {"import_form": form})
    ids_form = IdsForm(request.POST if request.method == "POST" else None)
    search_form = SearchForm(request.GET if SEARCH_FIELDS & request.GET.keys() else None)
    asked = ids_form if ids_form.is_bound else search_form if search_form.is_bound else None
    preview, status = Preview(), 200
    if asked is not None and not asked.is_valid():
        preview, status = Preview(errors=_form_errors(asked)), 400
    elif asked is ids_form:
        preview = Preview(rows=preview_rows(ids_form.cleaned_data["ids"], {}))
    elif asked is search_form:
        preview = search_preview(search_form)
    context = _import_context(ids_form, search_form, ImportForm(initial={"topic": request.GET.get("topic")}), preview)
    return _render(request, "arxiv/import.html", "preview", context, status=status)


@require_POST
@staff_member_required
def start_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST)
    if form.is_valid():
        try:
            job = arxiv_jobs.start_import(form.cleaned_data["arxiv_id"], form.target, request.user)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            tasks.enqueue_job(job)
            messages.success(request, _("The import is queued: this page follows its progress."))
            return redirect(job)
    # Nothing was queued: show the same preview again, with what was ticked.
    try:
        shown = normalize_id_list(request.POST.getlist("shown"))
    except InvalidArxivId:
        shown = []
    preview = Preview(rows=preview_rows(shown, {}, checked=set(request.POST.getlist("arxiv_id"))))
    context = _import_context(IdsForm(), SearchForm(), form, preview)
    return render(request, "arxiv/import.html", context, status=400)


def _import_context(ids_form: IdsForm, search_form: SearchForm, import_form: ImportForm, preview: Preview) -> dict:
    return {
        "ids_form": ids_form,
        "search_form": search_form,
        "import_form": import_form,
        "preview": preview,
        "topic_form": TopicChoiceForm(auto_id="id_enrich_%s"),
    }


@require_POST
@staff_member_required
def start_enrichment(request: HttpRequest) -> HttpResponse:
    form = TopicChoiceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a topic to enrich."))
        return redirect("arxiv_import")
    return _queue(request, lambda: arxiv_jobs.start_enrichment(form.cleaned_data["topic"], request.user))


@require_POST
@staff_member_required
def start_refresh(request: HttpRequest) -> HttpResponse:
    return _queue(request, lambda: arxiv_jobs.start_refresh(request.user))


def _queue(request: HttpRequest, start: Callable[[], ImportJob]) -> HttpResponse:
    try:
        job = start()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("arxiv_import")
    tasks.enqueue_job(job)
    return redirect(job)


@require_GET
@staff_member_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An unfinished job whose worker stopped is taken up again by looking at it (papers.arxiv_recovery)."""
    try:
        summary = arxiv_jobs.JobSummary.of(pk)
    except ImportJob.DoesNotExist:
        raise Http404(_("No such job.")) from None
    watch = None if summary.job.is_finished else arxiv_recovery.watch_job(pk)
    if watch is not None and watch.recovered:
        summary = arxiv_jobs.JobSummary.of(pk)
    context = {"job": summary.job, "summary": summary, "watch": watch, "stale_minutes": arxiv_recovery.STALE_MINUTES}
    return _render(request, "arxiv/job.html", "job-status", context)


@require_GET
@staff_member_required
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = list(
        ImportJob.objects.with_counts()
        .annotate(last_done_at=Max("items__done_at"))
        .select_related("topic", "created_by")[:JOBS_SHOWN]
    )
    context = {"jobs": jobs, "stalled": arxiv_recovery.stalled_job_ids(jobs), "stale_minutes": arxiv_recovery.STALE_MINUTES}
    return render(request, "arxiv/jobs.html", context)


# Title matches awaiting confirmation, grouped by paper.


@dataclass(frozen=True, slots=True)
class Candidate:
    match: ArxivMatch
    holder: Paper | None  # another paper of the catalogue that already has this arXiv id


@dataclass(frozen=True, slots=True)
class MatchGroup:
    paper: Paper
    topics: list[Topic]
    candidates: list[Candidate]


def match_groups(papers: QuerySet[Paper]) -> list[MatchGroup]:
    """Papers with their candidates; four queries whatever their number."""
    papers = list(
        papers.prefetch_related(
            Prefetch("arxiv_matches", queryset=ArxivMatch.objects.select_related("decided_by").order_by("arxiv_id")),
            Prefetch("entries", queryset=Entry.objects.select_related("topic").order_by("topic__slug")),
        )
    )
    wanted = {match.arxiv_id for paper in papers for match in paper.arxiv_matches.all()}
    holders = {paper.arxiv_id: paper for paper in Paper.objects.filter(arxiv_id__in=wanted)}
    return [
        MatchGroup(
            paper=paper,
            topics=[entry.topic for entry in paper.entries.all()],
            candidates=[
                Candidate(match=match, holder=_other(holders.get(match.arxiv_id), paper))
                for match in paper.arxiv_matches.all()
            ],
        )
        for paper in papers
    ]


def _other(holder: Paper | None, paper: Paper) -> Paper | None:
    return holder if holder is not None and holder.pk != paper.pk else None


@require_GET
@staff_member_required
def match_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or MatchStatus.PENDING
    if status not in MatchStatus.values:
        status = MatchStatus.PENDING
    papers = Paper.objects.filter(pk__in=ArxivMatch.objects.filter(status=status).values("paper")).order_by("title")
    context = {
        "groups": match_groups(papers[:MATCHED_PAPERS_SHOWN]),
        "status": status,
        "statuses": MatchStatus.choices,
    }
    return render(request, "arxiv/matches.html", context)


@require_POST
@staff_member_required
def accept_match(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, catalogue.accept_match, _("“%(paper)s” is now arXiv:%(id)s, with its metadata."))


@require_POST
@staff_member_required
def dismiss_match(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, catalogue.dismiss_match, _("The match of “%(paper)s” with arXiv:%(id)s is dismissed."))


def _decide(
    request: HttpRequest, pk: int, decide: Callable[[ArxivMatch, AbstractBaseUser], object], success: str
) -> HttpResponse:
    match = get_object_or_404(ArxivMatch.objects.select_related("paper"), pk=pk)
    status, level = 200, messages.SUCCESS
    try:
        decide(match, request.user)
        message = success % {"paper": match.paper.display_name, "id": match.arxiv_id}
    except catalogue.CatalogueConflict as conflict:
        status, level, message = 409, messages.ERROR, str(conflict)
    if not request.htmx:
        messages.add_message(request, level, message)
        return redirect(reverse("arxiv_matches"))
    (group,) = match_groups(Paper.objects.filter(pk=match.paper_id))
    context = {"group": group, "message": message, "message_level": "error" if status == 409 else "success"}
    return render(request, "arxiv/matches.html#match-group", context, status=status)


# Recent submissions on the topic page (filled by the fetch_recent_arxiv task, never by a page request).


def recent_papers_context(topic: Topic, limit: int = RECENT_PAPERS_SHOWN) -> dict[str, object]:
    """Context of arxiv/includes/recent_papers.html: one query, none for a topic that follows no arXiv category.

    Papers already on the list are left out.
    """
    if not topic.arxiv_categories:
        return {"recent_papers": [], "recent_fetched_at": None}
    on_list = Entry.objects.filter(topic=topic, paper__arxiv_id=OuterRef("arxiv_id"))
    papers = list(RecentPaper.objects.filter(topic=topic).exclude(Exists(on_list)).order_by("-published", "arxiv_id")[:limit])
    return {
        "recent_papers": papers,
        "recent_fetched_at": max((paper.fetched_at for paper in papers), default=None),
    }
