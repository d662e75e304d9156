"""Load measurements of the API; mounted only by ``bench.settings``, never in production."""
