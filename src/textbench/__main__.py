import sys

from textbench.cli import main

sys.exit(main())
