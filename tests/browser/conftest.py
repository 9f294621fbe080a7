"""The browser suite's fixtures live in tests/browser_support.py, shared with the accessibility suite."""

from tests.browser_support import browser, log_in_as, page, save_screenshot, topic_with_papers, unhashed_static_files

__all__ = ["browser", "log_in_as", "page", "save_screenshot", "topic_with_papers", "unhashed_static_files"]
