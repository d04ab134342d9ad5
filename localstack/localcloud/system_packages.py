"""Debian packages the local drive and its tests need (fonts for rendered test text, a browser for
the web app's tests), installed by the project itself so a fresh machine needs nothing by hand.

Only Debian's own archive is used: no browser or font is ever downloaded from a CDN.
"""

from __future__ import annotations

import os
import shutil
import subprocess

from imagedrive.log import logger

# What each need is called in Debian, and a file whose presence proves it is installed (cheaper and more
# robust than asking dpkg, and it also accepts a copy installed some other way).
FONTS_LATIN = {"fonts-dejavu-core": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"}
FONTS_CJK = {"fonts-wqy-zenhei": "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"}
BROWSER = {"chromium": "/usr/bin/chromium"}

_updated = False


class MissingSystemPackages(RuntimeError):
    pass


def missing(packages: dict[str, str]) -> list[str]:
    return [name for name, proof in packages.items() if not os.path.exists(proof)]


def ensure(packages: dict[str, str]) -> None:
    """Install the packages whose proof file is absent; as root with apt, otherwise say what to install."""
    names = missing(packages)
    if not names:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise MissingSystemPackages(f"these Debian packages are needed: sudo apt-get install {' '.join(names)}")
    logger.info("installing Debian packages", extra={"packages": names})
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    global _updated
    if not _updated:  # a fresh machine's package lists may be empty or stale
        subprocess.run(["apt-get", "update", "-q"], env=env, check=False, capture_output=True)
        _updated = True
    result = subprocess.run(
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", *names], env=env, capture_output=True, text=True,
    )
    if result.returncode != 0 or missing(packages):
        raise MissingSystemPackages(f"apt-get install {' '.join(names)} failed: {result.stderr.strip()[-500:]}")
