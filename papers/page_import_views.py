"""The staff page that imports topic pages: upload, preview and correct the reading, then import.

The uploaded text waits in the database (UploadedPage) between the preview and
the admin's confirmation, so any web process can take the next request. Each
page then imports in its own transaction: one bad page never stops the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from papers.forms import PageChoicesForm, PageUploadForm
from papers.models import PageUpload, UploadedPage
from papers.page_reader import PageChoices
from papers.reading_lists import (
    FilePreview,
    ReadingListError,
    decode_file,
    import_text,
    preview_file,
    remembered_choices,
    slug_for_file,
)

# Uploads nobody confirmed are forgotten after this long.
UPLOADS_KEPT = timedelta(days=2)
RECENT_UPLOADS_SHOWN = 10


@require_http_methods(["GET", "POST"])
@staff_member_required
def page_import(request: HttpRequest) -> HttpResponse:
    form = PageUploadForm(request.POST, request.FILES) if request.method == "POST" else PageUploadForm()
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload, errors = _store_upload(request, form.cleaned_data["files"])
        if upload is not None:
            for error in errors:
                messages.error(request, error)
            return redirect(upload)
    context = {
        "form": form,
        "file_errors": errors,
        "uploads": PageUpload.objects.select_related("created_by")[:RECENT_UPLOADS_SHOWN],
    }
    return render(request, "papers/page_import.html", context, status=400 if form.errors or errors else 200)


@transaction.atomic
def _store_upload(request: HttpRequest, files: list) -> tuple[PageUpload | None, list[str]]:
    """The readable files, kept for the preview; each unreadable one is named with its reason."""
    PageUpload.objects.filter(created_at__lt=timezone.now() - UPLOADS_KEPT).delete()
    readable, errors = [], []
    for file in files:
        name = file.name or _("(no name)")
        try:
            readable.append((name, decode_file(name, file.read())))
        except ReadingListError as error:
            errors.append(str(error))
    if not readable:
        return None, errors
    upload = PageUpload.objects.create(created_by=request.user)
    UploadedPage.objects.bulk_create(
        UploadedPage(
            upload=upload, position=position, name=name[:255], slug=slug_for_file(name), text=text,
            choices=remembered_choices(slug_for_file(name)).as_json(),
        )
        for position, (name, text) in enumerate(readable, start=1)
    )
    return upload, errors


@dataclass
class PagePreview:
    uploaded: UploadedPage
    preview: FilePreview
    form: PageChoicesForm


@require_http_methods(["GET", "POST"])
@staff_member_required
def page_import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows each page as it would import; POST saves the corrections, then shows them again or imports.

    With htmx, changing one page's choices posts that page alone (`?page=`) and gets its preview back.
    """
    upload = get_object_or_404(PageUpload, pk=pk)
    pages = list(upload.pages.all())
    if request.method == "GET" or upload.imported_at is not None:
        return render(request, "papers/page_import_preview.html", _context(upload, [_preview(page) for page in pages]))
    only = next((page for page in pages if str(page.pk) == request.GET.get("page")), None)
    bound = [_preview(page, request.POST) for page in ([only] if only else pages)]
    if any(preview.preview.page and not preview.form.is_valid() for preview in bound):
        template = "papers/page_import_preview.html#page-preview" if only and request.htmx else "papers/page_import_preview.html"
        return render(request, template, _context(upload, bound), status=400)
    for preview in bound:
        _remember(preview)
    if "import" in request.POST and only is None:
        return _import(request, upload, pages)
    if only and request.htmx:
        return render(request, "papers/page_import_preview.html#page-preview", _context(upload, [_preview(only)]))
    return redirect(upload)


def _preview(page: UploadedPage, data=None) -> PagePreview:
    preview = preview_file(page.name, page.text, PageChoices.from_json(page.choices), slug=page.slug)
    form = PageChoicesForm(data, preview=preview, prefix=f"page{page.pk}")
    return PagePreview(uploaded=page, preview=preview, form=form)


def _remember(preview: PagePreview) -> None:
    if preview.preview.page is None:
        return
    choices = preview.form.choices().as_json()
    if choices != preview.uploaded.choices:
        preview.uploaded.choices = choices
        preview.uploaded.save(update_fields=["choices"])


def _import(request: HttpRequest, upload: PageUpload, pages: list[UploadedPage]) -> HttpResponse:
    failed = 0
    for page in pages:
        outcome = import_text(page.name, page.text, slug=page.slug, choices=PageChoices.from_json(page.choices))
        if outcome.error:
            failed += 1
            page.result = outcome.error
        else:
            page.result = " ".join(outcome.summary.lines())
        page.save(update_fields=["result"])
    upload.imported_at = timezone.now()
    upload.save(update_fields=["imported_at"])
    if failed:
        messages.error(request, _("%(failed)d of %(total)d pages could not be imported; the others were.") % {
            "failed": failed, "total": len(pages)})
    else:
        messages.success(request, _("%(total)d pages imported.") % {"total": len(pages)})
    return redirect(upload)


def _context(upload: PageUpload, previews: list[PagePreview]) -> dict:
    """`item` is what the page-preview partial shows when it is rendered alone."""
    return {"upload": upload, "previews": previews, "item": previews[0] if previews else None}
