"""The `paquet` image also refreshes itself: what package_context adds to Datasette's Docker build context.

The build tools (build.py, sources/, fusions-annulees.yml) and the project's dependencies go into the image,
and its command becomes lieux.planificateur: the site through `build.py service` (the relay that swaps
versions without dropping a request, each Datasette run as `serve` runs it) and `build.py refresh --geo` on a
schedule (LIEUX_REFRESH_HOURS, README « Une image Docker, plusieurs machines »).
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD_FILES = ("build.py", "fusions-annulees.yml", "metadata.yml")  # metadata.yml: site.serve_command reads it
COMMAND = "CMD python -m lieux.planificateur --db /app/lieux.db --host 0.0.0.0 --port $PORT"


def project_dependencies() -> list[str]:
    """[project] dependencies of pyproject.toml (tomllib from Python 3.11; a plain reading of the list before)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    try:
        import tomllib
    except ImportError:  # Python 3.10
        block = text.split("dependencies = [", 1)[1].split("]", 1)[0]
        return re.findall(r'"([^"]+)"', block)
    return tomllib.loads(text)["project"]["dependencies"]


def requirement_name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower()


def add_refresh(out_dir: Path) -> Path:
    """Copy the build tools into the context and make the Dockerfile install them and run the scheduler."""
    out_dir = Path(out_dir)
    for name in BUILD_FILES:
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, out_dir / name)
    shutil.copytree(ROOT / "sources", out_dir / "sources", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dockerfile = out_dir / "Dockerfile"
    lines = dockerfile.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("RUN pip install"):
            present = {requirement_name(w) for w in shlex.split(line)[3:]}
            extra = [r for r in project_dependencies() if requirement_name(r) not in present]
            lines[i] = line + "".join(" " + shlex.quote(r) for r in extra)
        elif line.startswith("CMD "):
            lines[i] = COMMAND
    dockerfile.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out_dir
