"""Entry point Terraform starts (through the mirror's launcher): `python -m codat_provider`."""

import os

from tfplugin import serve


def _provider():
    # Imported here so the handshake is printed before the provider's own modules load.
    from codat_provider.provider import CodatProvider

    return CodatProvider()


if __name__ == "__main__":
    # The provider uses no pydantic plugins: without this, the first model pydantic builds scans every
    # installed package's entry points for them (~6 ms of each plan).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    serve(_provider, name="codat")
