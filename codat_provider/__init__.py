"""The Codat Terraform provider: resources over `codat_client`, served by the `tfplugin` layer."""

VERSION = "0.1.0"
