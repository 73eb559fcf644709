"""The real headless Chromium fixture (tests/support/browser.py), for the run's own report."""

from support.browser import browser

__all__ = ["browser"]
