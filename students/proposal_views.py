from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from papers.access import get_topic_for_user
from papers.arxiv import ArxivError, InvalidArxivId, normalize_arxiv_id
from papers.lookup import find_on_arxiv
from papers.models import Paper
from students import claims
from students.forms import ProposalForm


@require_http_methods(["GET", "POST"])
@login_required
def propose(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_topic_for_user(request.user, slug)
    if not access.is_student:
        raise PermissionDenied(_("Only students of this topic propose papers."))
    if request.htmx and request.htmx.target == "arxiv-preview":
        return _preview(request, access.topic)
    form = ProposalForm(request.POST or None, initial={"arxiv": request.GET.get("arxiv", "")}, topic=access.topic)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            details = _paper_details(form.cleaned_data)
            claims.propose(
                request.user, access.topic, details,
                justification=form.cleaned_data["justification"], categories=form.cleaned_data.get("categories") or (),
            )
        except ArxivError as error:
            form.add_error("arxiv", str(error))
        except claims.ClaimRefused as refusal:
            form.add_error("categories" if refusal.code == "no_category" and "categories" in form.fields else None,
                           refusal.messages[0])
            status = refusal.http_status
        else:
            messages.success(request, _("Your proposal is sent: a mentor will decide on it."))
            return redirect(reverse("student_page", kwargs={"slug": slug}))
    if form.errors and status == 200:
        status = 400
    return render(request, "students/propose.html", {"topic": access.topic, "form": form}, status=status)


def _preview(request: HttpRequest, topic) -> HttpResponse:
    """What arXiv says about the pasted identifier, before the student commits."""
    context = {"topic": topic}
    try:
        arxiv_id = normalize_arxiv_id(request.GET.get("arxiv", ""))
        known = Paper.objects.filter(arxiv_id=arxiv_id).first()
        context["preview"] = known or find_on_arxiv(arxiv_id)
    except (InvalidArxivId, ArxivError) as error:
        context["error"] = str(error)
    return render(request, "students/propose.html#arxiv-preview", context)


def _paper_details(data: dict) -> claims.PaperDetails:
    arxiv_id = data["arxiv"]
    if not arxiv_id:
        authors = tuple(name.strip() for name in data["authors"].split(",") if name.strip())
        return claims.PaperDetails(
            title=data["title"], url=data["url"], authors=authors, venue=data["venue"], year=data["year"],
        )
    known = Paper.objects.filter(arxiv_id=arxiv_id).first()
    if known is not None:
        return claims.PaperDetails(title=known.title, url=known.url, arxiv_id=arxiv_id)
    found = find_on_arxiv(arxiv_id)
    return claims.PaperDetails(
        title=found.title, url=found.abs_url, arxiv_id=arxiv_id, authors=tuple(found.authors),
        venue="arXiv", year=found.published.year, abstract=found.abstract,
    )
