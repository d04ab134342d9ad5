"""The reproducible sample library that `./dev up` imports as system images."""
