"""In-memory adapters for the ports in layers/imagedrive, for unit tests of service logic without servers.
tests/contract runs the same assertions against each fake and its real adapter, so they cannot drift."""
