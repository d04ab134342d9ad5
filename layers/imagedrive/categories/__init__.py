"""Categories: system ones (owner NULL, created by admins and the system drop folder) and each
user's own; assigning them to images by hand."""
