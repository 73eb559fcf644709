"""The real headless Chromium fixture (tests/support/browser.py)."""

from support.browser import browser

__all__ = ["browser"]
