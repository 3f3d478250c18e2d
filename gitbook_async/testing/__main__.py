"""``python -m gitbook_async.testing``: serve the fake GitBook with the demo spaces."""

import sys

from gitbook_async.testing._serve import main

if __name__ == "__main__":
    sys.exit(main())
