"""The Python benchmark program: `bench.py --suite S ...` (see harness.py)."""

import sys

from harness import main

if __name__ == "__main__":
    sys.exit(main())
