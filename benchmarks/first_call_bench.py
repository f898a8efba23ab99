"""What the provider's first Codat call costs in its plan process (a script, not a test).

    .venv/bin/python benchmarks/first_call_bench.py [--runs N]

Each run is a fresh Python process set up as the provider's launcher sets it up (bytecode kept between runs,
PYDANTIC_DISABLE_PLUGINS as codat_provider's entry point sets it) doing what the plan process
does from ConfigureProvider to its first answer: configure the provider (which imports codat_client, httpx and
pydantic and builds the client), then GET /webhooks from a local emulator holding 50 consumers. Prints medians of
each part, `python -X importtime -c "import codat_client"` split into httpx (with httpcore), pydantic and the rest,
and two checks: the schema and validate starts load neither httpx nor pydantic, and the first call loads no module
it does not use (goal: none; named with its import cost when there is one).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from codat_iac.toolenv import python_environment  # noqa: E402

API_KEY = "bench-api-key-0001"
# Loaded on the way to the first answer although the call never uses them: the module that imports them -> why.
UNUSED = {
    "httpcore._sync.http2": "HTTP/2 (h2, hpack, hyperframe), which the client never turns on: httpcore imports it "
                            "whenever h2 is installed, and requirements.txt installs it for the tests",
    "pydantic.plugin._loader": "pydantic's plugin loader (importlib.metadata), imported even when "
                               "PYDANTIC_DISABLE_PLUGINS is set",
}
# Top-level packages -> the library they come with, to split the import time.
LIBRARIES = {
    "httpx": "httpx", "httpcore": "httpx", "h11": "httpx", "h2": "httpx", "hpack": "httpx", "hyperframe": "httpx",
    "certifi": "httpx", "idna": "httpx", "anyio": "httpx", "sniffio": "httpx",
    "pydantic": "pydantic", "pydantic_core": "pydantic", "annotated_types": "pydantic",
    "typing_extensions": "pydantic", "typing_inspection": "pydantic",
    "codat_client": "ours", "codat_settings": "ours", "codat_provider": "ours", "tfplugin": "ours",
}

FIRST_CALL = """
import json, sys, time
t0 = time.perf_counter()
from tfplugin import Diagnostics
from codat_provider.provider import CodatProvider
provider = CodatProvider()
before = sorted(sys.modules)
t1 = time.perf_counter()
provider.configure({"base_url": sys.argv[1], "api_key": None}, Diagnostics())
t2 = time.perf_counter()
consumers = list(provider.client.list_webhooks())
t3 = time.perf_counter()
assert len(consumers) == 50, len(consumers)
print(json.dumps({"configure": t2 - t1, "first_get": t3 - t2, "before": before, "modules": sorted(sys.modules)}))
"""

STARTS = """
import sys
from tfplugin import Diagnostics
from codat_provider.provider import CodatProvider
provider = CodatProvider()
provider.schema.to_proto()
[c.schema.to_proto() for c in provider.resources + provider.data_sources]
for c in provider.resources + provider.data_sources:
    c(provider).validate({a.name: None for a in c.schema.attributes}, Diagnostics())
print(sorted(m for m in ("httpx", "pydantic") if m in sys.modules))
"""


def _environment(url: str) -> dict[str, str]:
    env = python_environment({k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"})
    env.update(PYDANTIC_DISABLE_PLUGINS="__all__", CODAT_API_KEY=API_KEY, CODAT_BASE_URL=url)
    return env


def _python(code: str, env: dict[str, str], *args: str, importtime: bool = False) -> subprocess.CompletedProcess:
    command = [sys.executable, *(["-X", "importtime"] if importtime else []), "-c", code, *args]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise SystemExit(f"benchmark process failed:\n{done.stderr}")
    return done


def _import_times(importtime: str) -> dict[str, tuple[float, float]]:
    """Module -> (self, cumulative) import time in ms, from `-X importtime` output."""
    found: dict[str, tuple[float, float]] = {}
    for line in importtime.splitlines():
        if line.startswith("import time:") and "[us]" not in line:
            own, cumulative, name = line[len("import time:"):].split("|")
            found.setdefault(name.strip(), (int(own) / 1000, int(cumulative) / 1000))
    return found


def _by_library(times: dict[str, tuple[float, float]], before: set[str]) -> dict[str, float]:
    """Self import time by library, of the modules imported after ``before`` were."""
    split: dict[str, float] = {}
    for name, (own, _) in times.items():
        if name in before:
            continue
        library = LIBRARIES.get(name.split(".")[0], "standard library")
        split[library] = split.get(library, 0.0) + own
    return split


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="codat-first-call-bench-") as tmp:
        emulator = subprocess.Popen(
            [sys.executable, "-m", "codat_emulator", "serve", "--host", "127.0.0.1", "--port", "0",
             "--data", str(Path(tmp) / "emulator"), "--api-key", API_KEY],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        try:
            url = emulator.stdout.readline().strip()
            env = _environment(url)
            _python("from codat_client import CodatClient\nimport sys\n"
                    "client = CodatClient(sys.argv[1], sys.argv[2])\n"
                    "[client.create_webhook(f'https://hooks.example.com/{i}', ['DataSyncCompleted'])"
                    " for i in range(50)]",
                    env, url, API_KEY)
            runs = [json.loads(_python(FIRST_CALL, env, url).stdout) for _ in range(options.runs + 1)][1:]
            imports = [_import_times(_python("import codat_client", env, importtime=True).stderr)
                       for _ in range(options.runs)]
            traced = [_import_times(_python(FIRST_CALL, env, url, importtime=True).stderr)
                      for _ in range(options.runs)]
            starts = _python(STARTS, env).stdout.strip()
        finally:
            emulator.terminate()
            emulator.wait(timeout=10)

    def median(key: str) -> float:
        return statistics.median(run[key] for run in runs) * 1000

    def cumulative(found: list[dict[str, tuple[float, float]]], name: str) -> float:
        return statistics.median(times.get(name, (0.0, 0.0))[1] for times in found)

    before = set(runs[-1]["before"])
    split = {library: statistics.median(_by_library(times, before).get(library, 0.0) for times in traced)
             for library in ("httpx", "pydantic", "ours", "standard library")}
    print(f"first Codat call of a plan process (fresh processes, medians of {options.runs}):")
    print(f"  ConfigureProvider (imports codat_client, builds the client) {median('configure'):6.1f} ms, "
          f"then the first GET /webhooks (50 consumers) {median('first_get'):5.1f} ms: "
          f"{median('configure') + median('first_get'):6.1f} ms in all")
    print(f"  python -X importtime -c \"import codat_client\": {cumulative(imports, 'codat_client'):6.1f} ms; "
          "what ConfigureProvider and the first call import, by library: "
          + ", ".join(f"{library} {ms:.1f} ms" for library, ms in split.items()))
    print(f"  schema and validate starts load httpx or pydantic: {starts}  "
          f"goal: neither: {'MET' if starts == '[]' else 'MISSED'}")
    loaded = [name for name in UNUSED if name in runs[-1]["modules"]]
    shown = "; ".join(f"{cumulative(traced, name):.1f} ms for {UNUSED[name]}" for name in loaded) or "nothing"
    print(f"  loaded by the first call but not used: {shown}  goal: nothing: {'MISSED' if loaded else 'MET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
