"""codat-iac's command line and the glue it needs: the project, its tool environment, the provider's mirror,
the local emulator, deploy. The package's version is the one place pyproject.toml reads it from."""

__version__ = "0.1.0"
