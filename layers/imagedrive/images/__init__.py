"""Images as users see them: listing, details, downloads, edits, deletion and library stats."""
