"""``python -m minigan sample|evaluate ...``: see :mod:`minigan.cli`."""
import sys

from minigan.cli import main

if __name__ == "__main__":
    sys.exit(main())
