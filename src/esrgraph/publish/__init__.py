"""Publishing for open-data portals: release folders, a DCAT-AP 3 catalogue with VoID,
vocabulary documentation and a static linked-data site.

- :mod:`esrgraph.publish.release` writes ``OUT/release/`` or ``OUT/releases/NAME/`` and the changes.
- :mod:`esrgraph.publish.catalog` builds ``catalog.ttl`` (DCAT-AP 3 + VoID) from a build.
- :mod:`esrgraph.publish.vocabdocs` documents the ontology, code lists and shapes as HTML.
- :mod:`esrgraph.publish.site_pages` writes the static site (``esrgraph site``).
"""

from __future__ import annotations

from esrgraph.publish.release import PublishOptions, ReleaseChanges, ReleaseResult, write_build_release, write_release

__all__ = ["PublishOptions", "ReleaseChanges", "ReleaseResult", "write_build_release", "write_release"]
