"""The students x papers grid: one row per student, one column per paper, the reading status in each cell."""

import pytest
from django.urls import reverse

from papers.models import Level
from students import claims
from students.models import ReadingStatus
from tests.conftest import make_entry
from students.mentors import GRID_STUDENTS_PER_PAGE
from tests.mentors.conftest import HTMX, make_intro_entries, make_students, mark_read

pytestmark = pytest.mark.django_db


def grid_url(topic, **query):
    url = reverse("mentor_grid", args=[topic.slug])
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def columns(response):
    return [entry.paper.short_name for entry in response.context["grid"].entries]


def test_grid_has_a_row_per_student_and_a_column_per_paper_intro_first(client, login, mentor, student, other_student, topic, advanced_entry, intro_entry):
    login(mentor)
    response = client.get(grid_url(topic))
    grid = response.context["grid"]
    assert columns(response) == ["ConcatNet", "DMM"]
    assert [row.enrollment.user for row in grid.rows] == [other_student, student]  # 张 before 李
    html = response.content.decode()
    assert '<th scope="col" class="paper-column">' in html and '<th scope="row">' in html


def test_cells_show_each_students_reading_status_and_claim(client, login, mentor, student, other_student, topic, advanced_entry, intro_entry):
    mark_read(student, intro_entry)
    mark_read(other_student, intro_entry, status=ReadingStatus.READING)
    claims.claim(student, advanced_entry)
    login(mentor)
    grid = client.get(grid_url(topic)).context["grid"]
    cells = {(row.enrollment.user.username, cell.entry.paper.short_name): (cell.status, cell.claimed)
             for row in grid.rows for cell in row.cells}
    assert cells == {
        ("student", "ConcatNet"): ("done", False),
        ("student", "DMM"): ("to_read", True),
        ("other", "ConcatNet"): ("reading", False),
        ("other", "DMM"): ("to_read", False),
    }


def test_cells_have_a_text_equivalent_and_a_label_for_phones(client, login, mentor, student, topic, intro_entry):
    mark_read(student, intro_entry)
    login(mentor)
    html = client.get(grid_url(topic)).content.decode()
    assert '<td data-label="ConcatNet" class="cell done"><span aria-hidden="true">✓</span><span class="cell-text">Done</span></td>' in html


def test_grid_filters_by_level(client, login, mentor, student, topic, advanced_entry, intro_entry):
    login(mentor)
    assert columns(client.get(grid_url(topic, level=Level.INTRO))) == ["ConcatNet"]
    assert columns(client.get(grid_url(topic, level=Level.ADVANCED))) == ["DMM"]


def test_grid_filters_by_the_topics_categories(client, login, mentor, student, topic, advanced_entry, second_entry, intro_entry):
    make_entry(topic, "SAMLP", categories=("辅助信息",), position=3)
    info, task = topic.categories.get(name="辅助信息"), topic.categories.get(name="辅助任务")
    login(mentor)
    assert columns(client.get(grid_url(topic, category=task.pk))) == ["DMM", "SKF"]
    assert columns(client.get(grid_url(topic, category=info.pk))) == ["DMM", "SAMLP"]


@pytest.mark.parametrize("category", ["<script>", "999999", "all"])
def test_unknown_filter_values_show_every_paper(client, login, mentor, student, topic, advanced_entry, intro_entry, category):
    login(mentor)
    response = client.get(grid_url(topic, level="expert", category=category))
    assert response.status_code == 200
    assert columns(response) == ["ConcatNet", "DMM"]


def test_filter_links_work_without_javascript_and_with_htmx(client, login, mentor, student, topic, intro_entry):
    login(mentor)
    html = client.get(grid_url(topic)).content.decode()
    assert 'href="?level=intro&amp;category=all" hx-get="?level=intro&amp;category=all"' in html
    partial = client.get(grid_url(topic, level="intro"), headers={**HTMX, "HX-Target": "grid"}).content.decode()
    assert partial.lstrip().startswith('<section id="grid"') and "<html" not in partial


def test_grid_says_when_no_paper_matches(client, login, mentor, student, topic, intro_entry):
    login(mentor)
    assert "No papers of this level and category." in client.get(grid_url(topic, level="advanced")).content.decode()


@pytest.mark.parametrize("size", [5, 200])
def test_grid_query_count_does_not_grow_with_the_students(client, login, mentor, topic, size, django_assert_num_queries):
    intros = make_intro_entries(topic, 12)
    advanced = [make_entry(topic, f"A{index}", position=index) for index in range(20)]
    students = make_students(topic, size)
    for index, user in enumerate(students):
        mark_read(user, intros[index % 12], advanced[index % 20])
        if index < 20:
            claims.claim(user, advanced[index])
    login(mentor)
    # session, user, the topic with the mentor's role; the topic's categories for the filter; the papers,
    # the students, their reading statuses of the papers shown, the claimed papers: eight queries for 5 or 200 students.
    with django_assert_num_queries(8):
        response = client.get(grid_url(topic))
    assert len(response.context["grid"].rows) == min(size, GRID_STUDENTS_PER_PAGE)
    assert len(response.context["grid"].entries) == 32


def test_a_large_class_reads_a_page_of_students_at_a_time(client, login, mentor, topic, intro_entry):
    from students.mentors import GRID_STUDENTS_PER_PAGE

    make_students(topic, GRID_STUDENTS_PER_PAGE + 3)
    login(mentor)
    first = client.get(grid_url(topic))
    assert len(first.context["grid"].rows) == GRID_STUDENTS_PER_PAGE and "Next students" in first.content.decode()
    second = client.get(grid_url(topic, page=2))
    assert len(second.context["grid"].rows) == 3 and "Previous students" in second.content.decode()


def test_a_long_list_reads_a_page_of_papers_at_a_time(client, login, mentor, student, topic):
    from students.mentors import GRID_PAPERS_PER_PAGE

    entries = [make_entry(topic, f"A{index}", position=index) for index in range(GRID_PAPERS_PER_PAGE + 5)]
    mark_read(student, entries[-1])
    login(mentor)
    first = client.get(grid_url(topic, level="advanced"))
    grid = first.context["grid"]
    assert grid.entries == entries[:GRID_PAPERS_PER_PAGE]
    assert first.content.decode().count('class="cell ') == GRID_PAPERS_PER_PAGE
    following = first.context["grid_links"]["next_papers"]
    assert "papers=2" in following and "level=advanced" in following and "previous_students" not in first.context["grid_links"]
    second = client.get(reverse("mentor_grid", args=[topic.slug]) + following)
    (row,) = second.context["grid"].rows
    assert [cell.entry for cell in row.cells] == entries[GRID_PAPERS_PER_PAGE:]
    assert row.cells[-1].status == ReadingStatus.DONE
    swapped = client.get(reverse("mentor_grid", args=[topic.slug]) + following, headers={**HTMX, "HX-Target": "grid"})
    html = swapped.content.decode()
    assert "<html" not in html and html.count('class="cell ') == 5
    assert "Previous papers" in html and "Next papers" not in html
