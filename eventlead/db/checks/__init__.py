"""Checks of the live database against the catalogue and the naming standard.

``verify_database`` (the design document's Phase 4) and ``audit_schema`` (its "no Solomon
violations" criterion) are thin commands over these modules.
"""
