"""Generated protobuf stubs (see generate.py). Do not edit the *_pb2*.py files."""
