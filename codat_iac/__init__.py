"""Glue that runs the project's tools: the environment they need, the local emulator, deploy."""
