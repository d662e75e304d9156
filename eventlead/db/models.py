"""No models here. The module exists so Django sends this app ``post_migrate`` (see apps.py)."""
