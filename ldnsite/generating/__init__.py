"""Generated content at scale, for the benchmarks and the scale tests (``manage.py generate_content``).

``pieces`` writes pieces, authors and tags and calls ``library`` for the references and
studies they cite. Both write in bulk through the models' own derivations.
"""

from .pieces import PREFIX, generate_content

__all__ = ["PREFIX", "generate_content"]
