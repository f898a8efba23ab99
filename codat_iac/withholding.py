"""What codat-iac writes for a person or a pipeline holds no secret: the one scrubber, fed before anything is printed.

Codat's answers are attacker data: a profile name, a webhook URL or an integration name can hold the API key or a
client secret (raw, base64, percent-encoded, in any case), and Terraform's plan carries them into the summaries,
the drift reports and adopt's file. So codat-iac
- learns every secret it can know, before it prints anything: from the environment (`CODAT_API_KEY`, the local
  emulator's generated key once it is the target, `TF_VAR_<name>` of each secret variable, the password of
  `CODAT_IAC_STATE`) and, after synth, from each sensitive variable the stacks declare;
- hands the names of those variables to every terraform it runs (`CODAT_IAC_SECRET_VARIABLES`), so the provider
  knows the values before it sends anything, even in a plan that sends no secret;
- replaces a field value that holds a secret with `WITHHELD` and names the field in a warning (`holds_secret`,
  `withheld_warning`), before a value is shortened for a table, where a cut secret would no longer be found;
- scrubs everything it writes to stdout and stderr (`reports_scrubbed`) and to report files (`write_report`):
  what a field check missed (an error text quoting Terraform) still loses every form of every secret.

The scrubber itself is codat_settings.secrets; nothing here finds a secret in its own way.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from codat_iac.private_files import synthesized_configs, write_private
from codat_settings.secrets import (
    SECRET_VARIABLES_ENV,
    WITHHELD,
    SecretHold,
    contains_secret,
    scrub,
    secrets_from_environment,
)

__all__ = ["WITHHELD", "SECRET_VARIABLES_ENV", "learn", "learn_stacks", "secret_variables", "named_secret_variables",
           "synthesized_secret_variables", "holds_secret", "withheld_warning", "reports_scrubbed", "write_report"]

# The secrets this process holds in the scrubber, let go when a command ends (reports_scrubbed).
_HOLD = SecretHold()


def _environment_secrets(env: Mapping[str, str]) -> list[str]:
    """Every secret `env` tells: the API key, the listed secret variables and, listed or not, each `TF_VAR_`
    variable whose name says it is a secret (a list left from an earlier synth may lack a new one), and the
    password in the team state's connection string."""
    values = secrets_from_environment(env)
    values += secrets_from_environment({k: v for k, v in env.items() if k != SECRET_VARIABLES_ENV})
    for name in ("CODAT_IAC_STATE", "PG_CONN_STR"):
        try:
            values.append(urlsplit(env.get(name, "").strip()).password or "")
        except ValueError:
            continue  # not a URL: the command that needs the state says so
    return values


def learn(env: Mapping[str, str]) -> None:
    """Scrub every secret `env` tells from here on (call as soon as a command's environment is known)."""
    _HOLD.add(_environment_secrets(env))


def secret_variables(config: Mapping[str, Any]) -> list[str]:
    """The names of a synthesized stack's secret variables: each one declared sensitive or ephemeral
    (codat_constructs.secret.Secret declares both)."""
    variables = config.get("variable") or {}
    return sorted(name for name, spec in variables.items()
                  if isinstance(spec, Mapping) and (spec.get("sensitive") or spec.get("ephemeral")))


def synthesized_secret_variables(outdir: Path) -> list[str] | None:
    """The secret variables of every stack synthesized in `outdir` (a project's cdktf.out), for a raw tool that
    runs one of them; None when no stack is synthesized there yet."""
    configs = synthesized_configs(outdir)
    if not configs:
        return None
    return sorted({name for config in configs for name in secret_variables(config)})


def named_secret_variables(env: Mapping[str, str]) -> set[str]:
    """The names `env` already gives in CODAT_IAC_SECRET_VARIABLES."""
    return {name.strip() for name in env.get(SECRET_VARIABLES_ENV, "").split(",") if name.strip()}


def learn_stacks(configs: Iterable[Mapping[str, Any]], env: dict[str, str]) -> None:
    """After synth: name the stacks' secret variables to the tools `env` is for (with any it names already),
    and scrub their values."""
    names = sorted(named_secret_variables(env) | {name for config in configs for name in secret_variables(config)})
    env[SECRET_VARIABLES_ENV] = ",".join(names)
    learn(env)


# ------------------------------------------------------------------------------------------ field values


def holds_secret(value: Any) -> bool:
    """Whether a value (a string, or a list or table of them) holds a secret this process knows, in any form
    the scrubber finds, or is the marker the provider put in place of one."""
    if isinstance(value, str):
        return value == WITHHELD or contains_secret(value)
    if isinstance(value, Mapping):
        return any(holds_secret(key) or holds_secret(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return any(holds_secret(item) for item in value)
    return False


def withheld_warning(field: str) -> str:
    """The one line that names a field whose value was withheld (never the value)."""
    return (f"warning: {field}: the value held a secret (the API key or a client secret), so it is shown as "
            f"{WITHHELD!r}; take the secret out of that field in Codat or in the configuration")


# ------------------------------------------------------------------------------------------- output


class _ScrubbedStream:
    """A text stream whose every write passes the scrubber; all else (isatty, fileno, flush) is the stream's."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(scrub(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def reports_scrubbed(env: Mapping[str, str] | None) -> Iterator[None]:
    """For one command: stdout and stderr scrubbed, the secrets of `env` (None: none yet) held from the start,
    and every secret learnt during the command let go at its end."""
    out, err = sys.stdout, sys.stderr
    if env is not None:
        learn(env)
    sys.stdout, sys.stderr = _ScrubbedStream(out), _ScrubbedStream(err)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
        _HOLD.release()


def write_report(path: Path, text: str) -> None:
    """A report file (summary.md, a plan's text): scrubbed, and readable by its owner only."""
    write_private(path, scrub(text))
