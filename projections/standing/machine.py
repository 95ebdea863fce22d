"""The standing state machine (SU-1..SU-3 and the automatic consequences of CO-3, AU-3..AU-8, AP-5).

`Machine(facts).run(as_of)` replays a farm's facts in business-time order. Deadlines become timers that
fire at the start of the day after the due date (a deadline is met by anything on or before its due day);
on each day the timers fire first, then that day's facts. The standing of a day is its end-of-day state, and
a `Change` is recorded whenever (standing, stayed) differs from the day before. Nothing here reads a clock:
a period that ends or a cure that expires is a timer, so the answer for any date, past or future, comes
from the events alone and never from facts dated after it.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from projections.appeals.windows import window_end
from projections.standing.facts import Fact, day, facts_until
from projections.standing.lengths import period_end

CURE_DAYS = 30
"""Default probation cure period (AU-8, AP-5). A probation without a cure date (CO-3, AU-2, an MDSC
probation without `cure_by`) has no end but `ProbationLifted` (the Code sets none)."""
FEE_DAYS = 45
ALTERNATIVE_SUPPLY = "probation: arrange alternative supply"
"""BU-1: what buyers are told when a failed remedial audit puts a farm on probation (App. C I.8)."""

ONE_DAY = timedelta(days=1)


@dataclass
class Suspension:
    id: str
    rule: str
    basis: str
    notice_on: date
    planned: date
    causes: tuple[str, ...]
    cascade_of: str | None = None
    fixed_until: date | None = None
    status: str = "pending"  # pending | effective | stayed | void | ended
    start: date | None = None
    until: date | None = None
    ordinal: int = 0
    served: bool = False
    periods: list[list[date | None]] = field(default_factory=list)


@dataclass
class Probation:
    key: str
    rule: str
    subject_id: str
    start: date
    cure_end: date | None
    on_expiry: str  # "lift" | "hold" (AU-8: wait for the next remedial audit) | "suspend" (AP-5)
    causes: tuple[str, ...]
    active: bool = True
    ended_on: date | None = None
    ended_by: str = ""  # "cure" | "lapse" | "suspension" | "reinstatement"


@dataclass(frozen=True, slots=True)
class Note:
    """What a transition of the day was about; the day's change takes the last note aimed at its result."""

    target: str  # a standing, or "stayed" / "unstayed"
    kind: str
    rule: str
    subject_id: str
    suspension_id: str | None
    causes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Change:
    """A standing change, as a `StandingChanged` event carries it."""

    on: date
    standing: str
    stayed: bool
    since: date
    kind: str
    rule: str
    subject_id: str
    suspension_id: str | None
    until: date | None
    cascade_of: str | None
    causes: tuple[str, ...]

    def key(self) -> str:
        """Names the change for a deterministic event id: the same change derived twice is one event."""
        return f"{self.on}/{self.standing}/{int(self.stayed)}/{self.kind}/{self.suspension_id or ''}"

    def as_data(self) -> dict[str, Any]:
        return {
            "standing": self.standing, "since": self.since.isoformat(), "stayed": self.stayed,
            "reason": f"{self.rule} {self.subject_id}".strip(), "kind": self.kind,
            "suspension_id": self.suspension_id, "until": self.until.isoformat() if self.until else None,
            "cascade_of": self.cascade_of,
        }


Answer = tuple[date, str | None, bool, date | None, int, date | None]
"""(day, standing, stayed, since, suspension count, suspended until) at the end of a day it changed."""


class Machine:
    def __init__(self, facts: list[Fact] | None = None) -> None:
        self.facts = facts if facts is not None else []
        self.today = date.min
        self._timers: list[tuple[date, int, str, str, date]] = []
        self._tick = 0
        self.enrolled_on: date | None = None
        self.withdrawn = False
        self.suspensions: dict[str, Suspension] = {}
        self.probations: dict[str, Probation] = {}
        self.violations: dict[str, tuple[dict[str, Any], date, str]] = {}
        self.terminated: dict[str, date] = {}
        self.remedy_due: dict[str, date] = {}
        self.remedy_done: dict[str, date] = {}
        self.reentry: list[date] = []
        self.appeals: dict[str, dict[str, Any]] = {}
        self.appeal_of: dict[str, str] = {}  # suspension id -> the appeal that named it first
        self.fee_due: dict[str, date] = {}
        self.fee_paid: dict[str, date] = {}
        self.cure_by: dict[str, date] = {}  # MDSC's cure_by for an automatic probation, by subject
        self.changes: list[Change] = []
        self._notes: list[Note] = []
        self._last: tuple[str | None, bool] = (None, False)
        self._since: date | None = None
        self.answers: list[Answer] = []
        """The timeline of the answer: one entry per day it changed (what a date before a snapshot reads)."""
        self.versions: dict[str, list[tuple[date, Suspension | Probation]]] = {}
        """Each suspension ("s:" id) and probation ("p:" key) interval as it stood at the end of each day it
        changed: its cause, stay and end, for any date."""
        self._fed: list[Fact] = []
        """The facts run so far (dated up to the last `run`), of which the first `_done` are applied."""
        self._done = 0

    # -- the loop --------------------------------------------------------------------------------
    def run(self, until: date) -> Machine:
        self._fed = facts_until(self.facts, until)
        return self._advance(until)

    def resume(self, later: list[Fact], until: date) -> Machine:
        """Carry the last run on to a later `until`: `later` are the facts dated after the last run's date,
        up to `until`, in business-time order. The machine is then the one a run from the start gives."""
        self._fed.extend(later)
        return self._advance(until)

    def refeed(self, facts: list[Fact]) -> Machine:
        """The machine as it stands, to be run on over `facts` (all dated after its last day): what `load`
        of its own `dump` over `facts` gives (its notes are empty at the end of every day)."""
        self.facts, self._fed, self._done = facts, [], 0
        return self

    def rebase(self, facts: list[Fact], on: date) -> None:
        """Forget the facts run so far dated up to `on` (a date it has run through): the machine is then
        the one `load` of its `dump` on `on` over `facts` (the facts after it) run on to where this is."""
        assert self._done == len(self._fed), "only between runs"
        day = on.isoformat()
        self.facts = facts
        self._fed = [f for f in self._fed if f["on"] > day]
        self._done = len(self._fed)

    @property
    def fed(self) -> int:
        """How many facts the machine has run (all those dated up to its last `until`)."""
        return len(self._fed)

    def _advance(self, until: date) -> Machine:
        facts = self._fed
        i = self._done
        while True:
            nxt = [d for d in (day(facts[i]) if i < len(facts) else None,
                               self._timers[0][0] if self._timers else None) if d is not None]
            if not nxt or min(nxt) > until:
                break
            self.today = max(min(nxt), self.today)  # a fact dated before a snapshot is applied on its next day
            self._fire_due()
            while i < len(facts) and day(facts[i]) <= self.today:
                self._apply(facts[i])
                i += 1
            self._fire_due()
            self._snapshot()
            self._record()
        self._done = i
        return self

    def _fire_due(self) -> None:
        while self._timers and self._timers[0][0] <= self.today:
            _, _, name, key, stamp = heapq.heappop(self._timers)
            getattr(self, f"_on_{name}")(key, stamp)

    def _at(self, when: date, name: str, key: str, stamp: date) -> None:
        """Schedule a timer; `stamp` lets it recognise itself as stale when its deadline moved."""
        self._tick += 1
        heapq.heappush(self._timers, (max(when, self.today), self._tick, name, key, stamp))

    def _note(self, target: str, kind: str, rule: str, subject: str, sid: str | None,
              causes: tuple[str, ...]) -> None:
        self._notes.append(Note(target, kind, rule, subject, sid, causes))

    # -- what the day ends with ------------------------------------------------------------------
    def standing(self) -> str | None:
        if self.enrolled_on is None:
            return None
        if self.withdrawn:
            return "withdrawn"
        if any(s.status == "effective" for s in self.suspensions.values()):
            return "suspended"
        if any(p.active for p in self.probations.values()):
            return "probation"
        return "good_standing"

    def stayed(self) -> bool:
        return any(s.status == "stayed" for s in self.suspensions.values())

    def suspended_until(self) -> date | None:
        ends = [s.until for s in self.suspensions.values() if s.status == "effective" and s.until]
        return max(ends) if ends and self.standing() == "suspended" else None

    def suspension_count(self) -> int:
        return sum(1 for s in self.suspensions.values() if s.ordinal > 0)

    def since(self) -> date | None:
        return self._since

    def _record(self) -> None:
        """Keep the end of the day in the timeline: every interval that changed, and the answer."""
        for key, rec in self._intervals():
            kept = self.versions.get(key)
            if kept is None or kept[-1][1] != rec:
                copy = replace(rec, periods=[list(p) for p in rec.periods]) if isinstance(rec, Suspension) \
                    else replace(rec)
                self.versions.setdefault(key, []).append((self.today, copy))
        now = (self.standing(), self.stayed(), self._since, self.suspension_count(), self.suspended_until())
        if now != (self.answers[-1][1:] if self.answers else (None, False, None, 0, None)):
            self.answers.append((self.today, *now))

    def _intervals(self) -> list[tuple[str, Suspension | Probation]]:
        return [*((f"s:{k}", s) for k, s in self.suspensions.items()),
                *((f"p:{k}", p) for k, p in self.probations.items())]

    def _snapshot(self) -> None:
        now = (self.standing(), self.stayed())
        notes, self._notes = self._notes, []
        if now == self._last:
            self._news(notes)
            return
        standing, stayed = now
        before, was_stayed = self._last
        self._last = now
        if standing != before:
            self._since = self.today
        if standing is None or (before is None and now == ("good_standing", False)):
            return  # enrolment is the start of the record, not a change, unless it starts suspended or stayed
        wanted = standing if standing != before else ("stayed" if stayed else "unstayed")
        note = next((n for n in reversed(notes) if n.target == wanted), None)
        if note is None:
            note = Note(wanted, standing, "", "", None, ())
        sid = note.suspension_id
        susp = self.suspensions.get(sid) if sid else None
        self.changes.append(Change(
            on=self.today, standing=standing, stayed=stayed, since=self._since or self.today,
            kind=note.kind, rule=note.rule, subject_id=note.subject_id, suspension_id=sid,
            until=self.suspended_until(), cascade_of=susp.cascade_of if susp else None, causes=note.causes,
        ))

    def _news(self, notes: list[Note]) -> None:
        """What buyers must hear although the standing stays what it was: another suspension taking effect
        while one runs (its period may end later, and it cascades on its own, SU-2), and a failed remedial
        audit of a farm already on probation ("arrange alternative supply", AU-8 / BU-1)."""
        standing, stayed = self._last
        note = next((n for n in reversed(notes) if n.target == standing and (
            (standing == "suspended" and n.kind in ("suspension", "appeal_upheld") and n.suspension_id)
            or (standing == "probation" and n.kind == ALTERNATIVE_SUPPLY))), None)
        if note is None or standing is None:
            return
        susp = self.suspensions.get(note.suspension_id) if note.suspension_id else None
        self.changes.append(Change(
            on=self.today, standing=standing, stayed=stayed, since=self._since or self.today, kind=note.kind,
            rule=note.rule, subject_id=note.subject_id, suspension_id=note.suspension_id,
            until=self.suspended_until(), cascade_of=susp.cascade_of if susp else None, causes=note.causes,
        ))

    # -- facts -----------------------------------------------------------------------------------
    def _apply(self, fact: Fact) -> None:
        handler = getattr(self, f"_fact_{fact['type']}", None)
        if handler is not None:
            handler(fact["data"], (fact["event_id"],))

    def _fact_FarmEnrolled(self, d: dict[str, Any], causes: tuple[str, ...]) -> None:
        if self.enrolled_on is None:
            self.enrolled_on = self.today
            for s in list(self.suspensions.values()):
                if s.cascade_of and s.start is None and s.status in ("pending", "stayed"):
                    self._join(s, causes)

    def _join(self, s: Suspension, causes: tuple[str, ...]) -> None:
        """SU-2 for a farm enrolled while its owner's other farm is suspended: it joins the suspension for
        the rest of that farm's period (from its enrolment day, counted as its own suspension, reentry
        audit needed), or the stay pending an appeal; a period over before it enrolled does not reach it."""
        if s.status == "stayed":
            self._note(self._without(s), "suspension_stayed", "SU-3", s.id.split(":")[-1], s.id, causes)
        elif s.fixed_until is not None and s.fixed_until < self.today:
            s.status = "void"
        else:
            s.planned = max(s.planned, self.today)
            self._begin_or_wait(s)

    def _fact_FarmWithdrawn(self, d: dict[str, Any], causes: tuple[str, ...]) -> None:
        self.withdrawn = True
        self._note("withdrawn", "withdrawal", "", "", None, causes)

    def _fact_ViolationFound(self, d: dict[str, Any], causes: tuple[str, ...]) -> None:
        vid = d["violation_id"]
        self.violations[vid] = (d, self.today, causes[0])
        clause, offender = d.get("clause"), (d.get("offender") or {}).get("role", "none")
        if d["article"] == "I" and clause in ("a", "b"):
            self._suspend(vid, "AU-3", self.today, self.today, causes)
        elif d["article"] == "I" and (clause == "c" or (clause == "d" and d.get("with_contact", True))):
            if offender == "owner":
                self._suspend(vid, "AU-4", self.today, self.today, causes)
            else:
                self._at(self.today + 2 * ONE_DAY, "termination_due", vid, self.today)
        self._schedule_remedy(vid)

    def _fact_OffenderTerminated(self, d: dict[str, Any], causes: tuple[str, ...]) -> None:
        self.terminated.setdefault(d["violation_id"], self.today)

    def _fact_RemedyDesignated(self, d: dict[str, Any], causes: tuple[str, ...]) -> None:
        self.remedy_due[d["violation_id"]] = date.fromisoformat(d["due_on"])
        self._schedule_remedy(d["violation_id"])

    def _fact_RemedyCompleted(self, d: dict[str, Any], causes: tuple[str, ...]) -> None:
        vid = d["violation_id"]
        self.remedy_done.setdefault(vid, self.today)
        self._lift(f"AU-6/{vid}", "cure", causes)

    def _schedule_remedy(self, vid: str) -> None:
        if vid in self.violations and vid in self.remedy_due:
            due = self.remedy_due[vid]
            self._at(due + ONE_DAY, "remedy_due", vid, due)

    def _fact_AuditConducted(self, d: dict[str, Any], causes: tuple[str, ...]) -> None:
        kind, outcome = d["kind"], d["outcome"]
        if kind == "reentry" and outcome == "pass":
            self._reenter(causes)
        elif kind == "remedial":
            self._remedial(d, outcome, causes)

    def _remedial(self, d: dict[str, Any], outcome: str, causes: tuple[str, ...]) -> None:
        cap = d.get("cap_id") or d["audit_id"]
        key = f"AU-8/{cap}"
        current = self.probations.get(key)
        if (current is None or not current.active) and not d.get("cap_id"):
            current = next((p for p in self.probations.values() if p.rule == "AU-8" and p.active), None)
        cure = date.fromisoformat(d["cure_by"]) if d.get("cure_by") else self.today + CURE_DAYS * ONE_DAY
        active = current is not None and current.active
        if outcome == "pass" and current is not None and active:
            self._lift(current.key, "cure", causes)
        elif outcome == "fail" and current is not None and active:
            self._end_probation(current, "suspension")
            self._suspend(d["audit_id"], "AU-8", self.today, self.today, causes)
        elif outcome == "fail":
            self._probation(key, "AU-8", cap, cure, "hold", causes, ALTERNATIVE_SUPPLY)
        elif outcome == "likely_to_comply" and current is not None and active:
            self._set_cure(current, cure)

    def _fact_InvestigationImpeded(self, d: dict[str, Any], causes: tuple[str, ...]) -> None:
        cid = d["complaint_id"]
        self._probation(f"CO-3/{cid}", "CO-3", cid, self.cure_by.get(cid), "lift", causes)

    def _fact_ProbationImposed(self, d: dict[str, Any], causes: tuple[str, ...]) -> None:
        cure = date.fromisoformat(d["cure_by"]) if d.get("cure_by") else None
        subject = d.get("subject_id")
        if subject and cure is not None:
            self.cure_by[subject] = cure
        ground = next((p for p in self.probations.values() if p.active and subject and p.subject_id == subject),
                      None)
        if ground is not None:
            if cure is not None:
                self._set_cure(ground, cure)
            return
        self._probation(f"MDSC/{causes[0]}", "MDSC:", subject or d["reason"], cure, "lift", causes)

    def _fact_ProbationLifted(self, d: dict[str, Any], causes: tuple[str, ...]) -> None:
        """MDSC ends a probation: the one about `subject_id`, or else every one without a cure date."""
        subject = d.get("subject_id")
        for p in list(self.probations.values()):
            if p.active and (p.subject_id == subject if subject else p.cure_end is None):
                self._lift(p.key, "lifted", causes)

    def _fact_SuspensionNoticed(self, d: dict[str, Any], causes: tuple[str, ...]) -> None:
        sid = d["suspension_id"]
        effective = date.fromisoformat(d["effective_on"]) if d.get("effective_on") else self.today
        origin = d.get("cascade_of")
        if origin is None:
            self._suspend(sid, "SU", self.today, effective, causes, basis=d.get("basis", ""))
            return
        self._cascade(sid, origin, d, effective, causes)

    def _cascade(self, sid: str, origin: str, d: dict[str, Any], effective: date, causes: tuple[str, ...]) -> None:
        """SU-2: this farm follows another farm's suspension, period and stay included."""
        key = f"{origin}:{sid}"
        until = date.fromisoformat(d["until"]) if d.get("until") else None
        status = d.get("cascade_status") or "effective"
        s = self.suspensions.get(key)
        if s is None:
            if status != "effective":
                return
            s = self.suspensions[key] = Suspension(key, "SU-2", d.get("basis", ""), self.today, effective, causes,
                                                   cascade_of=origin, fixed_until=until)
            if self.enrolled_on is not None:  # else it waits for the enrolment (`_join`)
                self._begin_or_wait(s)
            return
        if status == "effective" and s.status in ("stayed", "pending"):
            s.fixed_until, s.planned, s.status = until, effective, "pending"
            if self.enrolled_on is not None:
                self._begin_or_wait(s, kind="appeal_upheld")
        elif status == "stayed":
            self._stay(s, causes)
        elif status == "void":
            self._void(s, causes)

    def _fact_AppealFiled(self, d: dict[str, Any], causes: tuple[str, ...]) -> None:
        aid = d["appeal_id"]
        self.appeals[aid] = {**d, "filed": self.today}
        if d["subject"] != "suspension":
            return
        s = self.suspensions.get(d["subject_id"])
        if s is None:
            self.appeal_of.setdefault(d["subject_id"], aid)
            return
        if self.today <= window_end("suspension", s.notice_on) and s.status in ("pending", "effective"):
            self.appeal_of.setdefault(s.id, aid)
            self._stay(s, causes)

    def _fact_AppealDecided(self, d: dict[str, Any], causes: tuple[str, ...]) -> None:
        appeal = self.appeals.get(d["appeal_id"])
        if appeal is None or appeal["subject"] != "suspension":
            return
        s = self.suspensions.get(appeal["subject_id"])
        if s is None or s.status != "stayed" or self.appeal_of.get(s.id) != d["appeal_id"]:
            return
        if d["outcome"] == "upheld":
            s.status = "pending"
            self._take_effect(s, self.today, causes, kind="appeal_upheld")
        elif d["outcome"] == "overturned":
            self._void(s, causes)

    def _fact_ArbitrationInvoiced(self, d: dict[str, Any], causes: tuple[str, ...]) -> None:
        if Decimal(str(d.get("farm_share", "0"))) <= 0:
            return
        aid = d["appeal_id"]
        due = self.today + FEE_DAYS * ONE_DAY
        self.fee_due[aid] = due
        self._at(due + ONE_DAY, "fee_due", aid, due)

    def _fact_ArbitrationReimbursed(self, d: dict[str, Any], causes: tuple[str, ...]) -> None:
        aid = d["appeal_id"]
        self.fee_paid.setdefault(aid, self.today)
        self._lift(f"AP-5/{aid}", "cure", causes)

    # -- timers ----------------------------------------------------------------------------------
    def _on_termination_due(self, vid: str, found: date) -> None:
        """AU-4: the offender had until the end of the day after the finding."""
        done = self.terminated.get(vid)
        if done is None or done > found + ONE_DAY:
            self._suspend(vid, "AU-4", self.today, self.today, (self.violations[vid][2],))

    def _on_remedy_due(self, vid: str, due: date) -> None:
        if self.remedy_due.get(vid) != due:
            return  # redesignated: a newer timer decides
        done = self.remedy_done.get(vid)
        if done is not None and done <= due:
            return
        found, _, cause = self.violations[vid]
        if found["article"] == "I" and found.get("clause") == "e":
            self._suspend(vid, "AU-5", self.today, self.today, (cause,))
        elif found["article"] == "II":
            self._probation(f"AU-6/{vid}", "AU-6", vid, None, "hold", (cause,))

    def _on_fee_due(self, aid: str, due: date) -> None:
        paid = self.fee_paid.get(aid)
        if paid is not None and paid <= due:
            return
        cure = self.cure_by.get(aid, self.today + CURE_DAYS * ONE_DAY)
        self._probation(f"AP-5/{aid}", "AP-5", aid, cure, "suspend", ())

    def _on_cure_end(self, key: str, cure_end: date) -> None:
        p = self.probations.get(key)
        if p is None or not p.active or p.cure_end != cure_end:
            return
        if p.on_expiry == "lift":
            self._lift(key, "lapse", ())
        elif p.on_expiry == "suspend":  # AP-5: still unpaid when the probation ends
            self._end_probation(p, "suspension")
            self._suspend(p.subject_id, p.rule, self.today, self.today, p.causes)

    def _on_take_effect(self, sid: str, planned: date) -> None:
        s = self.suspensions.get(sid)
        if s is not None and s.status == "pending" and s.planned == planned:
            self._take_effect(s, planned, s.causes)

    def _on_period_served(self, sid: str, until: date) -> None:
        s = self.suspensions.get(sid)
        if s is None or s.status != "effective" or s.until != until:
            return
        s.served = True
        if any(r >= (s.start or date.min) for r in self.reentry):
            self._end(s, ())

    # -- transitions -----------------------------------------------------------------------------
    def _probation(self, key: str, rule: str, subject: str, cure_end: date | None, on_expiry: str,
                   causes: tuple[str, ...], kind: str = "probation") -> None:
        if key in self.probations and self.probations[key].active:
            return
        p = self.probations[key] = Probation(key, rule, subject, self.today, None, on_expiry, causes)
        if cure_end is not None:
            self._set_cure(p, cure_end)
        self._note("probation", kind, rule, subject, None, causes)

    def _set_cure(self, p: Probation, cure_end: date) -> None:
        p.cure_end = cure_end
        self._at(cure_end + ONE_DAY, "cure_end", p.key, cure_end)

    def _lift(self, key: str, how: str, causes: tuple[str, ...]) -> None:
        p = self.probations.get(key)
        if p is not None and p.active:
            self._end_probation(p, how)
            self._note("good_standing", "probation_ended", p.rule, p.subject_id, None, causes)

    def _end_probation(self, p: Probation, how: str) -> None:
        p.active, p.ended_on, p.ended_by = False, self.today, how

    def _suspend(self, sid: str, rule: str, notice_on: date, effective: date, causes: tuple[str, ...],
                 basis: str = "") -> None:
        if sid in self.suspensions:
            return  # one suspension per triggering id (SU-3)
        s = self.suspensions[sid] = Suspension(sid, rule, basis or rule, notice_on, effective, causes)
        if sid in self.appeal_of:  # appealed before the ledger saw it
            self._stay(s, causes)
            return
        self._begin_or_wait(s)

    def _begin_or_wait(self, s: Suspension, kind: str = "suspension") -> None:
        if s.planned <= self.today:
            self._take_effect(s, s.planned, s.causes, kind)
        else:
            self._at(s.planned, "take_effect", s.id, s.planned)

    def _take_effect(self, s: Suspension, start: date, causes: tuple[str, ...], kind: str = "suspension") -> None:
        s.status, s.start, s.served = "effective", start, False
        s.ordinal = 1 + sum(1 for o in self.suspensions.values() if o is not s and o.ordinal > 0)
        s.until = s.fixed_until or period_end(start, s.ordinal)
        s.periods.append([start, None])
        self._at(s.until + ONE_DAY, "period_served", s.id, s.until)
        self._note("suspended", kind, s.rule, s.id.split(":")[-1], s.id, causes or s.causes)

    def _close(self, s: Suspension) -> None:
        if s.periods and s.periods[-1][1] is None:
            s.periods[-1][1] = max(self.today, s.periods[-1][0] or self.today)

    def _stay(self, s: Suspension, causes: tuple[str, ...]) -> None:
        """SU-3: a pending appeal keeps the suspension from taking effect until it is decided."""
        if s.status not in ("pending", "effective"):
            return
        self._close(s)
        s.status, s.ordinal = "stayed", 0
        self._note("stayed", "suspension_stayed", "SU-3", s.id.split(":")[-1], s.id, causes)
        self._note(self._without(s), "suspension_stayed", "SU-3", s.id.split(":")[-1], s.id, causes)

    def _void(self, s: Suspension, causes: tuple[str, ...]) -> None:
        """SU-3: an overturned suspension never happened and does not count toward SU-1."""
        self._close(s)
        s.status, s.ordinal, s.periods = "void", 0, []
        self._note("unstayed", "appeal_overturned", "SU-3", s.id.split(":")[-1], s.id, causes)
        self._note(self._without(s), "appeal_overturned", "SU-3", s.id.split(":")[-1], s.id, causes)

    def _without(self, s: Suspension) -> str:
        """The standing the farm falls back to once `s` is out of the way."""
        if self.withdrawn:
            return "withdrawn"
        if any(o.status == "effective" for o in self.suspensions.values() if o is not s):
            return "suspended"
        return "probation" if any(p.active for p in self.probations.values()) else "good_standing"

    def _reenter(self, causes: tuple[str, ...]) -> None:
        """Part 7 ¶3: a passed reentry audit readmits a farm whose period is served, or that withdrew."""
        self.reentry.append(self.today)
        for s in list(self.suspensions.values()):
            if s.status == "effective" and s.served:
                self._end(s, causes)
        if self.withdrawn:
            self.withdrawn = False
            self._note(self._without_probation(), "reinstated", "SU-1", "", None, causes)

    def _without_probation(self) -> str:
        return "suspended" if any(s.status == "effective" for s in self.suspensions.values()) else "good_standing"

    def _end(self, s: Suspension, causes: tuple[str, ...]) -> None:
        """SU-1: reinstated once the period is served and a reentry audit has passed, whichever is later."""
        self._close(s)
        s.status = "ended"
        if any(o.status == "effective" for o in self.suspensions.values()):
            return
        for p in self.probations.values():  # reinstated to good standing (App. C III)
            if p.active:
                self._end_probation(p, "reinstatement")
        self._note("good_standing", "reinstated", "SU-1", s.id.split(":")[-1], s.id, causes)
