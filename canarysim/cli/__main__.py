"""``python -m canarysim.cli``: the same as ``canarysim`` (and ``python -m canarysim``)."""

from canarysim.cli import main

raise SystemExit(main())
