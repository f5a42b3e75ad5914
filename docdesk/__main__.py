import sys

from docdesk.cli.main import main

sys.exit(main())
