from papers.models import Topic


def reading_list_as_dict(topic: Topic) -> dict:
    """The export format, which import_reading_list reads back."""
    # "intro" sorts after "advanced": descending puts the intro papers first, as on the page.
    entries = topic.entries.select_related("paper").order_by("-level", "position", "pk")
    return {
        "topic": {"slug": topic.slug, "title": topic.title, "introduction": topic.introduction},
        "papers": [
            {
                "short_name": entry.paper.short_name,
                "title": entry.paper.title,
                "level": entry.level,
                "kinds": entry.kinds,
                "arxiv_id": entry.paper.arxiv_id,
                "url": entry.paper.url,
                "venue": entry.paper.venue,
                "year": entry.paper.year,
            }
            for entry in entries
        ],
    }
