"""``python -m benchmarks``: run every benchmark and print the table (see ``run.py``)."""

from benchmarks.run import main

raise SystemExit(main())
