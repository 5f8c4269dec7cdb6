"""python -m qa.export.pack docs/audit-pack.md: regenerate the document's column tables."""

import sys
from pathlib import Path

from qa.export.pack.dictionary import rewrite

rewrite(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/audit-pack.md"))
