from koomap_tui.cli import main

raise SystemExit(main())
