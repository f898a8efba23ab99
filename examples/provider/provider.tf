terraform {
  required_providers {
    codat = {
      source = "codat.local/codat/codat"
    }
  }
}

# base_url and api_key fall back to CODAT_BASE_URL and CODAT_API_KEY: keep the key out of files.
provider "codat" {}
