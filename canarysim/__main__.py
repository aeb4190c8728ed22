from canarysim.cli import main

raise SystemExit(main())
