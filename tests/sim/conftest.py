"""Tests of the SimPy world, one folder per room of ``canarysim/sim/``.

The shared kits (``worldkit``: manifests and scenarios in a temporary folder; ``fidelitykit``:
compact scenarios and readers for the fidelity replays) live here, and pytest puts this
folder on ``sys.path`` when it loads this file, so every sub-folder imports them by name.
"""
