"""What a tuning returns: :class:`Tuning`, its report as plain data and its paste-ready steps.

``report()`` is the ``canarysim.tune/v1`` document (``report.json``): the budget, the search
(family, bounds, method, rungs, runs simulated), the recommended schedule and the current one
with their figures and intervals, the independent verification, the closest candidates when
none passes, and every candidate with its figures and whether it is on the Pareto front.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from canarysim.tuning.budget import Budget, Figures
from canarysim.tuning.front import front_figure, pareto
from canarysim.tuning.knobs import Target, template_with
from canarysim.tuning.space import Candidate

__all__ = ["SCHEMA", "Tuning"]

SCHEMA = "canarysim.tune/v1"
CLOSEST = 3


@dataclass
class Tuning:
    scenario_name: str
    seed: int
    budget: Budget
    regression: list[tuple[str, Any]]
    space: dict[str, Any]
    method: str
    rungs: list[tuple[int, int, int]]
    simulated: int
    candidates: list[tuple[Candidate, Figures]]
    current_steps: list[Any]
    current: Figures
    recommended: Candidate | None = None
    verification: Figures | None = None
    verify_seed: int | None = None
    target: Target | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def found(self) -> bool:
        return self.recommended is not None

    @property
    def best(self) -> Figures | None:
        if self.recommended is None:
            return None
        return next(f for c, f in self.candidates if c.index == self.recommended.index)

    def closest(self) -> list[tuple[Candidate, Figures]]:
        """When none passes: the candidates that come nearest (least relative shortfall of the
        conservative ends), most runs first on ties."""
        ranked = sorted(
            self.candidates,
            key=lambda cf: (cf[1].shortfall(self.budget), -cf[1].runs, cf[0].index),
        )
        return ranked[:CLOSEST]

    def front(self) -> list[int]:
        """Indices (into ``candidates``) of the Pareto front."""
        return pareto([f for _, f in self.candidates])

    # -- paste-ready output -----------------------------------------------------------------

    def steps(self) -> list[dict[str, Any]] | None:
        return None if self.recommended is None else self.recommended.step_list()

    def steps_yaml(self) -> str:
        """The recommended ``steps:`` block, indented to paste under ``spec.strategy.canary``."""
        steps = self.steps()
        if steps is None:
            return ""
        body = yaml.safe_dump({"steps": steps}, sort_keys=False, default_flow_style=None)
        return body

    def templates(self) -> list[dict[str, Any]]:
        """The AnalysisTemplate with the recommended knob values (none when none were tuned)."""
        if self.recommended is None or not self.recommended.knobs or self.target is None:
            return []
        return [template_with(self.target, self.recommended.knobs)]

    def templates_yaml(self) -> str:
        docs = self.templates()
        return yaml.safe_dump_all(docs, sort_keys=False) if docs else ""

    # -- report -----------------------------------------------------------------------------

    def report(self) -> dict[str, Any]:
        b = self.budget
        front = set(self.front())
        best = self.best
        return {
            "schema": SCHEMA,
            "scenario": self.scenario_name,
            "seed": self.seed,
            "budget": b.as_dict(),
            "regression": {p: v for p, v in self.regression},
            "search": {
                **self.space,
                "method": self.method,
                "candidates": len(self.candidates),
                "rungs": [{"runs": n, "candidates": c, "kept": k} for n, c, k in self.rungs],
                "runs_simulated": self.simulated,
            },
            "found": self.found,
            "recommended": None
            if self.recommended is None or best is None
            else {
                "label": self.recommended.label,
                "steps": self.steps(),
                "knobs": dict(self.recommended.knobs),
                "figures": best.as_dict(b),
            },
            "current": {"steps": self.current_steps, "figures": self.current.as_dict(b)},
            "verification": None
            if self.verification is None
            else {
                "seed": self.verify_seed,
                "figures": self.verification.as_dict(b),
                "holds": self.verification.plausible(b),
            },
            "closest": []
            if self.found
            else [{"label": c.label, "figures": f.as_dict(b)} for c, f in self.closest()],
            "candidates": [
                {
                    "label": c.label,
                    "weights": list(c.weights),
                    "pause": c.pause,
                    "knobs": dict(c.knobs),
                    "pareto": i in front,
                    "figures": f.as_dict(b),
                }
                for i, (c, f) in enumerate(self.candidates)
            ],
        }

    def report_text(self) -> str:
        from canarysim.tuning.render import render

        return render(self)

    def plot(self) -> Any:
        """The Pareto plot as a matplotlib Figure."""
        front = set(self.front())
        rec = None if self.recommended is None else self.recommended.index
        rows = [
            {
                "label": c.label,
                "figures": f,
                "front": i in front,
                "role": "recommended" if c.index == rec else "candidate",
            }
            for i, (c, f) in enumerate(self.candidates)
        ]
        rows.append(
            {"label": "current", "figures": self.current, "front": False, "role": "current"}
        )
        title = f"tune {self.scenario_name}: {len(self.candidates)} candidates, front dashed"
        return front_figure(rows, title)

    def save(self, out_dir: str | Path, plots: bool = True) -> list[Path]:
        """Write ``steps.yaml`` (and ``analysis-templates.yaml``), ``report.json``,
        ``candidates.csv`` and ``pareto.png`` into ``out_dir``, each atomically."""
        from canarysim.tuning.files import write_tuning

        return write_tuning(self, Path(out_dir), plots=plots)
