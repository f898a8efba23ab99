# The profile is a singleton: any id works.
terraform import codat_profile.this profile
