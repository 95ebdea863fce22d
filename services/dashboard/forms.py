"""Forms for the events MDSC records, built from the event models themselves (issue 12).

Each input comes from a field of the event's `data` model: its kind (text, date, time, yes/no, a choice of
the model's literals, a list, a nested part such as `offender.role`), whether it is required and its
description. What a submission means is decided by the model too: the form's values are put together as
the event a sender would post and validated by pydantic, and each error is shown beside the input it
names. Nothing about a field's rules is written in a template.

A confidential complainant is typed once by the MDSC staff member; the preview shows it masked, and the
ledger seals it at append (CO-4). The person id is the ledger's to assign, never a form's.
"""

from __future__ import annotations

import types
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from events.catalogue import appeals, audits, complaints, plans
from events.codec import EventRejected, validate

MODULES = (complaints, audits, plans, appeals)
"""The catalogue modules of case work: complaints, audits and violations, plans (CAP, CR, probation,
suspension notices) and appeals. A type added to one of them gets its form with nothing else to do."""
SKIPPED_FIELDS = {("ClearPerson", "person_id")}
"""The ledger assigns person ids; a sender's is refused."""
PERSONAL = frozenset({"complainant"})
UNWRITTEN = frozenset({"SealedPerson"})


@dataclass(frozen=True, slots=True)
class Input:
    name: str
    """Dotted for a nested part: `offender.role`."""
    kind: str
    """text, date, instant, bool, choice, list, number, json"""
    required: bool
    choices: tuple[str, ...] = ()
    help: str = ""
    personal: bool = False


@dataclass
class Submission:
    type: str
    values: dict[str, str]
    event: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    """Input name (or `farm_id`, `occurred_at`) → the model's error."""

    @property
    def ok(self) -> bool:
        return not self.errors


def envelopes() -> dict[str, type[BaseModel]]:
    out: dict[str, type[BaseModel]] = {}
    for module in MODULES:
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseModel) and {"type", "data"} <= set(
                    value.model_fields) and value.__module__ == module.__name__:
                (name,) = get_args(value.model_fields["type"].annotation)
                out[name] = value
    return dict(sorted(out.items()))


def data_model(type_name: str) -> type[BaseModel]:
    annotation = envelopes()[type_name].model_fields["data"].annotation
    assert isinstance(annotation, type) and issubclass(annotation, BaseModel)
    return annotation


def inputs(type_name: str) -> list[Input]:
    return _inputs(data_model(type_name), "", True)


def _inputs(model: type[BaseModel], prefix: str, parent_required: bool) -> list[Input]:
    out: list[Input] = []
    for name, info in model.model_fields.items():
        if (model.__name__, name) in SKIPPED_FIELDS:
            continue
        required = info.is_required() and parent_required
        annotation, optional = _unwrap(info.annotation)
        nested = _model_of(annotation)
        full = prefix + name
        if nested is not None:
            out.extend(_inputs(nested, full + ".", required and not optional))
            continue
        kind, choices = _kind(annotation)
        out.append(Input(full, kind, required, choices, info.description or _hint(kind),
                         personal=prefix.rstrip(".") in PERSONAL or name in PERSONAL))
    return out


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return (args[0] if len(args) == 1 else tuple(args)), len(args) < len(get_args(annotation))
    return annotation, False


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """A nested part; of a union of parts (sealed or clear person), the one a sender writes."""
    candidates = annotation if isinstance(annotation, tuple) else (annotation,)
    models = [a for a in candidates if isinstance(a, type) and issubclass(a, BaseModel)]
    clear = [m for m in models if "sealed" not in m.model_fields]
    return clear[0] if clear else None


def _kind(annotation: Any) -> tuple[str, tuple[str, ...]]:
    if isinstance(annotation, tuple):  # a union of scalars (a number or its text): text
        return "text", ()
    if get_origin(annotation) is Literal:
        return "choice", tuple(str(a) for a in get_args(annotation))
    if get_origin(annotation) is list:
        (item,) = get_args(annotation) or (str,)
        return ("json", ()) if _model_of(item) is not None else ("list", ())
    if annotation is bool:
        return "bool", ()
    if annotation is date:
        return "date", ()
    if annotation is datetime:
        return "instant", ()
    if annotation in (Decimal, int, float):
        return "number", ()
    return "text", ()


def _hint(kind: str) -> str:
    return {"date": "YYYY-MM-DD", "instant": "YYYY-MM-DDTHH:MM with offset, e.g. 2025-03-03T09:00-05:00",
            "list": "comma-separated", "json": 'JSON list, e.g. [{"action_id": "a-1", "due_on": "2025-04-01"}]',
            "number": "e.g. 120.00"}.get(kind, "")


# -- a submission ------------------------------------------------------------------------------------------
def submission(type_name: str, form: dict[str, str], actor: dict[str, str]) -> Submission:
    """The event the form describes, validated by the catalogue's models; errors per input."""
    import orjson

    values = {k: v.strip() for k, v in form.items()}
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for spec in inputs(type_name):
        raw = values.get(spec.name, "")
        if spec.kind == "bool":
            value: Any = raw in ("on", "true", "yes", "1")
        elif raw == "":
            continue
        elif spec.kind == "list":
            value = [part.strip() for part in raw.split(",") if part.strip()]
        elif spec.kind == "json":
            try:
                value = orjson.loads(raw)
            except orjson.JSONDecodeError:
                errors[spec.name] = "not JSON"
                continue
        else:
            value = raw
        _put(data, spec.name, value)
    event = {"event_id": values.get("event_id") or str(uuid.uuid4()), "type": type_name,
             "farm_id": values.get("farm_id", ""), "occurred_at": values.get("occurred_at", ""),
             "actor": actor, "data": data}
    errors.update(_model_errors(type_name, event))
    if not errors:
        try:
            validate(event)
        except EventRejected as exc:
            errors[_input_of(exc.field)] = exc.problem
    return Submission(type_name, values, event, errors)


def _put(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for p in parents:
        data = data.setdefault(p, {})
    data[last] = value


def _model_errors(type_name: str, event: dict[str, Any]) -> dict[str, str]:
    """Every error the event's model finds (envelope and data), by input name."""
    try:
        envelopes()[type_name].model_validate(event)
    except ValidationError as exc:
        out: dict[str, str] = {}
        for err in exc.errors():
            if any(str(p) in UNWRITTEN for p in err["loc"]):
                continue  # the sealed form of a person is the ledger's, never a sender's: its errors are noise
            loc = [str(p) for p in err["loc"] if not isinstance(p, int) and not str(p)[:1].isupper()]
            out.setdefault(_input_of(".".join(loc)), err["msg"])
        return out
    return {}


def _input_of(field_path: str | None) -> str:
    """`data.complaint_id` → the input `complaint_id`; envelope fields keep their names."""
    if not field_path:
        return "event"
    return field_path[5:] if field_path.startswith("data.") else field_path


def masked(spec: Input, value: str) -> str:
    return "●●●● (sealed on append)" if spec.personal and value else value


def fingerprint(event: dict[str, Any]) -> str:
    """What the preview showed, so that an append is of exactly that event."""
    import hashlib

    import orjson

    return hashlib.sha256(orjson.dumps(event, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]
