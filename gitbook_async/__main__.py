"""``python -m gitbook_async``: the command line."""

import sys

from gitbook_async._cli import main

if __name__ == "__main__":
    sys.exit(main())
