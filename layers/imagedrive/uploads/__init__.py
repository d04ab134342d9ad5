"""Presigned POSTs that let a browser put an image straight into the originals bucket."""
