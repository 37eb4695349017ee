"""What one injection or kill found, and the suite's summary line."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.chaos.books import BROKEN, DUPLICATED, LOST, Finding


@dataclass
class Injection:
    """One fault raised (or one kill) and what the audit found new after its follow-up."""

    path: str
    index: int
    point: str
    fault: str
    fired: bool
    error: str = ""
    findings: list[Finding] = field(default_factory=list)
    #: Findings of a kind the path's clean run (no fault) already showed: a defect of the
    #: path itself, repeated by every injection; counted, listed once per path.
    as_clean: list[Finding] = field(default_factory=list)
    #: What went wrong on the way without losing money (a follow-up that failed once, ...).
    notes: list[str] = field(default_factory=list)

    def of(self, kind: str) -> list[Finding]:
        return [f for f in (*self.findings, *self.as_clean) if f.kind == kind]


@dataclass
class Tally:
    injections: list[Injection] = field(default_factory=list)
    kills: int = 0
    #: Findings that no injection caused (a clean run already showed them).
    baseline: list[Finding] = field(default_factory=list)
    #: Per kill: "<mode> <step>: before | in flight | after" (where the step's update was).
    moments: list[str] = field(default_factory=list)

    def kill_moments(self) -> list[str]:
        counts: dict[str, int] = {}
        for moment in self.moments:
            counts[moment] = counts.get(moment, 0) + 1
        return [f"  {moment:<32} {count:>3} kills" for moment, count in sorted(counts.items())]

    @property
    def fault_points(self) -> int:
        return sum(1 for i in self.injections if i.fired and i.fault != "kill -9")

    def count(self, kind: str) -> int:
        return sum(len(i.of(kind)) for i in self.injections) + sum(
            1 for f in self.baseline if f.kind == kind
        )

    def notes(self) -> list[str]:
        """Each distinct note, with how many injections (and which fault points) had it."""
        rows: dict[str, list[str]] = {}
        for inj in self.injections:
            for note in inj.notes:
                rows.setdefault(note, []).append(f"{inj.path} #{inj.index} {inj.point}")
        return [
            f"  {len(where)} x {note}\n      e.g. {'; '.join(sorted(set(where))[:4])}"
            for note, where in rows.items()
        ]

    def bad(self) -> list[Injection]:
        return [i for i in self.injections if i.findings]

    def as_clean(self) -> list[str]:
        rows: dict[tuple[str, str], int] = {}
        for inj in self.injections:
            for finding in inj.as_clean:
                rows[(inj.path, finding.kind)] = rows.get((inj.path, finding.kind), 0) + 1
        return [
            f"  [{path}] {count} more {kind} with a fault, as in its clean run (not the fault)"
            for (path, kind), count in rows.items()
        ]

    def line(self) -> str:
        return (
            f"chaos: {self.fault_points} fault points, {self.kills} kills, "
            f"{self.count(LOST)} lost, {self.count(DUPLICATED)} duplicated"
        )

    def ok(self) -> bool:
        return not (self.count(LOST) or self.count(DUPLICATED) or self.count(BROKEN))

    def details(self) -> list[str]:
        lines = []
        for finding in self.baseline:
            lines.append(f"  [clean run] {finding.kind}: {finding.text}")
        lines += self.as_clean()
        for inj in self.bad():
            for finding in inj.findings:
                lines.append(
                    f"  [{inj.path} #{inj.index} {inj.point} / {inj.fault}] "
                    f"{finding.kind}: {finding.text}"
                )
        return lines

    def by_path(self) -> list[str]:
        rows: dict[str, list[int]] = {}
        for inj in self.injections:
            row = rows.setdefault(inj.path, [0, 0, 0, 0, 0])
            row[0] += int(inj.fired)
            row[1] += len(inj.of(LOST))
            row[2] += len(inj.of(DUPLICATED))
            row[3] += len(inj.of(BROKEN))
            row[4] += int(not inj.fired)
        return [
            f"  {path:<28} {r[0]:>4} {'deals ' if path.startswith('kill') else 'points'}"
            f" {r[1]:>3} lost {r[2]:>3} dup {r[3]:>3} broken"
            + (f" ({r[4]} not reached)" if r[4] else "")
            for path, r in rows.items()
        ]
