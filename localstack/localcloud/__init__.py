"""The local cloud: Postgres, the local AWS, the event runner, the API and the web server on one machine."""

from localcloud.paths import use_checkout_paths

use_checkout_paths()  # before anything reads settings: the drive's state lives in this checkout
