"""Configuration -> Codat API bodies for `codat_integration`."""


def credentials_body(config: dict) -> dict[str, str]:
    """The body of PUT /integrations/credentials/{key}: the form the Portal's Set up page sends."""
    return {"clientId": config["client_id"], "clientSecret": config["client_secret_wo"]}
