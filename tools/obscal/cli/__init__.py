"""The ``obscal`` command line: a thin layer that builds a request, calls one API function and renders."""
