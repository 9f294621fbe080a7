"""The staff page that imports topic pages: upload, preview, correct roles and categories, import."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from papers.models import PageUpload, Paper, Topic, UploadedPage
from papers.page_reader import PageChoices
from tests.conftest import make_user

TOPICS = Path(__file__).parent.parent / "fixtures" / "topics"
SEED = Path(__file__).parent.parent / "fixtures" / "topic-2.md"
UPLOAD_URL = reverse("page_import")
pytestmark = pytest.mark.django_db


def page_file(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content if content is not None else (TOPICS / name).read_bytes(), "text/markdown")


def upload(client, *files) -> PageUpload:
    response = client.post(UPLOAD_URL, {"files": list(files)})
    assert response.status_code == 302, response.content.decode()[:500]
    return PageUpload.objects.latest("pk")


def preview_url(upload: PageUpload) -> str:
    return reverse("page_import_preview", args=[upload.pk])


def role_field(page: UploadedPage, heading: str, client) -> str:
    form = client.get(preview_url(page.upload)).context["previews"][0].form
    index = next(i for i, section in enumerate(form.sections) if section.heading == heading)
    return form[f"role_{index}"].html_name


@pytest.mark.parametrize("persona", ["anonymous", "student", "mentor"])
def test_only_staff_reach_the_page(client, topic, persona):
    if persona != "anonymous":
        client.force_login(make_user(persona))
    assert client.get(UPLOAD_URL).status_code == 302
    assert client.post(UPLOAD_URL, {"files": [page_file("24-mot.md")]}).status_code == 302
    assert not PageUpload.objects.exists()


def test_uploading_pages_shows_each_as_it_would_import_and_writes_nothing(client, admin_user):
    client.force_login(admin_user)
    uploaded = upload(client, page_file("24-mot.md"), page_file("28-openclaw.md"))
    html = client.get(preview_url(uploaded)).content.decode()
    assert not Topic.objects.exists() and not Paper.objects.exists()
    assert "24-mot.md" in html and "28-openclaw.md" in html
    assert "多目标跟踪" in html and "a new topic “24-mot”" in html
    assert "39 papers (9 intro, 30 advanced)" in html
    assert "ByteTrack: Multi-Object Tracking by Associating Every Detection Box" in html
    assert "OpenClaw 官方文档" in html  # a material, shown apart
    assert "2.3 进阶方法" in html


def test_bad_files_are_named_with_their_reason_and_the_good_ones_kept(client, admin_user):
    client.force_login(admin_user)
    response = client.post(UPLOAD_URL, {"files": [
        page_file("24-mot.md"), page_file("binary.md", b"\x89PNG\r\n\x1a\n\x00\x00"), page_file("empty.md", b""),
        page_file("big.md", b"x" * (5 * 1024 * 1024 + 1)),
    ]}, follow=True)
    html = response.content.decode()
    assert "binary.md is a binary file" in html
    assert "big.md is larger than 5 MB" in html
    assert list(UploadedPage.objects.values_list("name", flat=True)) == ["24-mot.md"]


def test_only_bad_files_is_a_400_with_every_reason(client, admin_user):
    client.force_login(admin_user)
    response = client.post(UPLOAD_URL, {"files": [page_file("latin.md", "café".encode("latin-1"))]})
    assert response.status_code == 400
    assert "latin.md is not UTF-8 text" in response.content.decode()
    assert not PageUpload.objects.exists()


def test_no_file_is_a_clear_error(client, admin_user):
    client.force_login(admin_user)
    response = client.post(UPLOAD_URL, {})
    assert response.status_code == 400
    assert "Choose at least one page to upload." in response.content.decode()


def test_a_page_the_reader_refuses_is_shown_with_its_reason_and_skipped_on_import(client, admin_user):
    client.force_login(admin_user)
    uploaded = upload(client, page_file("24-mot.md"), page_file("broken.md", b"---\ntitle: [x\n---\n## A\n"))
    assert "front matter" in client.get(preview_url(uploaded)).content.decode()
    response = client.post(preview_url(uploaded), {"import": "1"}, follow=True)
    assert list(Topic.objects.values_list("slug", flat=True)) == ["24-mot"]
    assert "1 of 2 pages could not be imported; the others were." in response.content.decode()


def test_confirming_imports_each_page_and_shows_what_happened(client, admin_user):
    client.force_login(admin_user)
    uploaded = upload(client, page_file("24-mot.md"), page_file("17-hdr.md"))
    response = client.post(preview_url(uploaded), {"import": "1"}, follow=True)
    html = response.content.decode()
    assert set(Topic.objects.values_list("slug", flat=True)) == {"24-mot", "17-hdr"}
    assert "2 pages imported." in html and "Created topic “多目标跟踪” (24-mot)." in html
    uploaded.refresh_from_db()
    assert uploaded.imported_at is not None
    assert client.post(preview_url(uploaded), {"import": "1"}).status_code == 200  # once only
    assert Topic.objects.count() == 2


def test_changing_a_sections_role_shows_at_once_and_is_remembered_for_the_next_import(client, admin_user):
    client.force_login(admin_user)
    uploaded = upload(client, page_file("24-mot.md"))
    page = uploaded.pages.get()
    data = {field.html_name: field.value() for field in client.get(preview_url(uploaded)).context["previews"][0].form}
    data[role_field(page, "2.5 扩展与特殊场景", client)] = "none"

    response = client.post(f"{preview_url(uploaded)}?page={page.pk}", data, headers={"HX-Request": "true", "HX-Target": f"page-{page.pk}"})

    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith(f'<section class="card page-preview" id="page-{page.pk}"')
    assert "31 papers (9 intro, 22 advanced)" in html and "your choice" in html
    client.post(preview_url(uploaded), {**data, "import": "1"})
    topic = Topic.objects.get(slug="24-mot")
    assert topic.entries.count() == 31
    assert list(PageChoices.from_json(topic.import_choices).roles.values()) == ["none"]
    # The next upload of the same page starts from the remembered choice.
    again = upload(client, page_file("24-mot.md"))
    assert "31 papers" in client.get(preview_url(again)).content.decode()


def test_renaming_a_category_renames_it_for_students(client, admin_user):
    client.force_login(admin_user)
    uploaded = upload(client, SimpleUploadedFile("02-auxiliary.md", SEED.read_bytes()))
    form = client.get(preview_url(uploaded)).context["previews"][0].form
    data = {field.html_name: field.value() for field in form}
    name = next(field.html_name for field in form.category_fields() if field.label == "辅助信息")
    data[name] = "辅助输入"
    client.post(preview_url(uploaded), {**data, "import": "1"})
    assert list(Topic.objects.get().categories.values_list("name", flat=True)) == ["辅助输入", "辅助任务"]


def test_an_empty_category_name_is_refused_beside_it_and_nothing_is_imported(client, admin_user):
    client.force_login(admin_user)
    uploaded = upload(client, SimpleUploadedFile("02-auxiliary.md", SEED.read_bytes()))
    form = client.get(preview_url(uploaded)).context["previews"][0].form
    data = {field.html_name: field.value() for field in form}
    data[form.category_fields()[0].html_name] = "  "
    response = client.post(preview_url(uploaded), {**data, "import": "1"})
    assert response.status_code == 400
    assert "A category needs a name." in response.content.decode()
    assert not Topic.objects.exists()


def test_a_forged_role_is_refused(client, admin_user):
    client.force_login(admin_user)
    uploaded = upload(client, page_file("24-mot.md"))
    page = uploaded.pages.get()
    data = {field.html_name: field.value() for field in client.get(preview_url(uploaded)).context["previews"][0].form}
    data[role_field(page, "2.3 进阶方法", client)] = "claimable"
    assert client.post(preview_url(uploaded), {**data, "import": "1"}).status_code == 400
    assert not Topic.objects.exists()


def test_the_preview_works_without_javascript(client, admin_user):
    client.force_login(admin_user)
    uploaded = upload(client, page_file("24-mot.md"))
    data = {field.html_name: field.value() for field in client.get(preview_url(uploaded)).context["previews"][0].form}
    response = client.post(preview_url(uploaded), {**data, "preview": "1"})
    assert response.status_code == 302 and response.url == preview_url(uploaded)
    html = client.get(preview_url(uploaded)).content.decode()
    assert '<form method="post" class="page-import"' in html and 'name="import"' in html
