from django import template
from django.utils.safestring import SafeString

from papers.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str, top_heading: int | None = None) -> SafeString:
    """`{{ notes|markdown:3 }}` renders the notes' biggest heading as an <h3>; `{{ notes|markdown }}` keeps its levels."""
    return render_markdown(text or "", top_heading=None if top_heading is None else int(top_heading))
