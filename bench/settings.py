"""The production settings, plus the bench's baseline view (``bench.urls``)."""

from eventlead.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
