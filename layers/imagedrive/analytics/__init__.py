"""Drive analytics: the summary dashboard and CSV/JSON exports of every image."""
