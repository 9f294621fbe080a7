"""One paper looked up on arXiv while a person waits: short timeouts, one retry."""

from django.utils.translation import gettext as _

from papers.arxiv import ArxivClient, ArxivEntry, ArxivError

# A person is waiting: give up sooner than a background import would.
INTERACTIVE_TIMEOUT = (3, 10)
INTERACTIVE_RETRIES = 1


class NotOnArxiv(ArxivError):
    pass


def find_on_arxiv(arxiv_id: str, client: ArxivClient | None = None) -> ArxivEntry:
    client = client or ArxivClient(timeout=INTERACTIVE_TIMEOUT, max_retries=INTERACTIVE_RETRIES)
    result = client.fetch([arxiv_id])
    if not result.entries:
        raise NotOnArxiv(_("arXiv has no paper with the identifier %(id)s.") % {"id": arxiv_id})
    return result.entries[0]
