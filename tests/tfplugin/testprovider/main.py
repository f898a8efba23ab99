"""Entry point of the test provider executable (the mirror's launcher runs this file).

The factory imports the provider module only when called, after the handshake line
is out: the pattern a provider should follow to start fast.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[0:0] = [os.path.dirname(os.path.dirname(os.path.dirname(HERE))), os.path.dirname(HERE)]


def factory():
    from testprovider import TptProvider
    return TptProvider()


from tfplugin import serve  # noqa: E402

serve(factory, name="tpt", address="example.com/test/tpt")
