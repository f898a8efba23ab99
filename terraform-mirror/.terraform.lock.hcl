# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "codat.local/codat/codat" {
  version     = "0.1.0"
  constraints = "0.1.0"
  hashes = [
    "h1:OCbz+ycE8naxJdg/otkxTfm3LuhqvPabFcFGswp5uGE=",
  ]
}
