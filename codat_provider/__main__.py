"""Entry point Terraform starts (through the mirror's launcher): `python -m codat_provider`."""

from tfplugin import serve


def _provider():
    # Imported here so the handshake is printed before the provider's own modules load.
    from codat_provider.provider import CodatProvider

    return CodatProvider()


if __name__ == "__main__":
    serve(_provider, name="codat")
