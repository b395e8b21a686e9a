import sys

from bot.cli.app import main

sys.exit(main())
