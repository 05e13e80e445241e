import sys

from tinyperf.cli import main

sys.exit(main())
