"""Background work (rq jobs) and the ``ralph-es`` command line."""
