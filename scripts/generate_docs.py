"""Write the provider's registry-style docs (docs/index.md, docs/resources/, docs/data-sources/).

The text comes from the provider's own schema (tfplugin.docs) and the runnable examples in examples/.
`--check` writes nothing and exits 1 when docs/ is stale (CI runs it through tests/provider/test_docs.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
EXAMPLES = REPO / "examples"


def examples() -> dict[str, str]:
    """Page -> example text, from examples/ laid out as in HashiCorp's provider scaffolding."""
    found = {"index.md": (EXAMPLES / "provider" / "provider.tf").read_text()}
    for kind, file in (("resources", "resource.tf"), ("data-sources", "data-source.tf")):
        for folder in sorted((EXAMPLES / kind).iterdir()):
            short = folder.name.removeprefix("codat_")
            found[f"{kind}/{short}.md"] = (folder / file).read_text()
            if (folder / "import.sh").exists():
                found[f"{kind}/{short}.import"] = (folder / "import.sh").read_text()
    return found


def pages() -> dict[str, str]:
    from codat_provider.provider import CodatProvider
    from tfplugin.docs import render_markdown

    return render_markdown(CodatProvider(), examples())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/ differs from what would be written")
    options = parser.parse_args()
    stale = []
    rendered = pages()
    for name, text in rendered.items():
        path = DOCS / name
        if not path.exists() or path.read_text() != text:
            stale.append(name)
            if not options.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
    if options.check and stale:
        print(f"docs/ is stale ({', '.join(stale)}): run `make docs` and commit the result.", file=sys.stderr)
        return 1
    written = f", {len(stale)} written" if stale else ""
    print(f"generate_docs: {len(rendered)} pages checked in {DOCS}{written}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
