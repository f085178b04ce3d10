"""The ``ctfmon`` command line (entry point :func:`cli.main.main`); see :mod:`cli.main`."""
