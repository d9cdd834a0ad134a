"""The user's settings: one typed, immutable object, stored as JSON at ``locations.settings_path()``.

Every field can be overridden for one run by an environment variable ``QUIZAPP_<FIELD>`` (upper case),
for example ``QUIZAPP_NEW_PER_DAY=5``: tests and scripts use that instead of writing a file. Lists are
written comma-separated (``QUIZAPP_LEARNING_STEPS_MINUTES=1,10``), the keymap as ``id=keys`` pairs
separated by semicolons (``QUIZAPP_KEYMAP=undo=ctrl+z,u;bury=x``: keys themselves may hold commas).

A settings file that cannot be read raises :class:`SettingsError` with one line that names the file
and the field; unknown keys are ignored (a newer quizapp may have written them) and missing keys take
their defaults, so old files keep working.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from quizapp.core import locations

ENV_PREFIX = "QUIZAPP_"


class SettingsError(ValueError):
    """The settings file or an override is unreadable; the message is one line saying how to fix it."""


@dataclass(frozen=True)
class Settings:
    desired_retention: float = 0.9
    """Probability of recall FSRS aims for when it picks an interval (0.7-0.99)."""
    learning_steps_minutes: tuple[float, ...] = (1.0, 10.0)
    """Short steps a new card goes through before it graduates to day intervals."""
    relearning_steps_minutes: tuple[float, ...] = (10.0,)
    """Steps a forgotten (lapsed) card goes through before it returns to day intervals."""
    maximum_interval_days: int = 36500
    """No review is scheduled further out than this."""
    fuzz: bool = True
    """Spread day intervals a little at random so cards learnt together do not stay bunched."""
    new_per_day: int = 20
    """New cards introduced per day (across the decks studied)."""
    reviews_per_day: int = 200
    """Reviews of graduated cards per day; learning cards are never held back."""
    leech_threshold: int = 8
    """After this many lapses a card is tagged ``leech`` and suspended."""
    theme: str = "textual-dark"
    """The TUI's colour theme (any Textual theme name; the TUI falls back to its default if unknown)."""
    day_starts_at_hour: int = 4
    """Local hour at which a new study day begins (bury, daily limits, streaks), like Anki's 4 a.m."""
    backups_to_keep: int = 10
    """How many automatic backups are kept in the backups folder."""
    fsrs_parameters: tuple[float, ...] | None = None
    """FSRS model weights fitted by ``quizapp optimize``; None means fsrs's defaults."""
    card_time_limit_seconds: float = 5.0
    """Wall-clock time a card's snippet may run before it is killed (``deck check --timeout`` overrides)."""
    card_memory_mb: int = 1024
    """Memory a card's snippet may allocate on top of the warm worker's."""
    card_output_kb: int = 64
    """What a card's snippet may print; the rest is cut off."""
    answer_time_cap_seconds: float = 60.0
    """A review's recorded answer time is at most this (a card left on screen is not 365 s of work)."""
    keymap: tuple[tuple[str, str], ...] = ()
    """Key bindings to change, by binding id; in settings.json an object such as
    ``{"rate-again": "j", "undo": "ctrl+z,u"}`` (F1 lists the ids). A tuple so settings stay hashable."""

    def validated(self) -> Settings:
        """Return self, or raise SettingsError naming the first field out of range."""
        checks: list[tuple[str, bool, str]] = [
            ("desired_retention", 0.7 <= self.desired_retention <= 0.99, "between 0.7 and 0.99"),
            ("learning_steps_minutes", all(s > 0 for s in self.learning_steps_minutes), "positive minutes"),
            ("relearning_steps_minutes", all(s > 0 for s in self.relearning_steps_minutes), "positive minutes"),
            ("maximum_interval_days", self.maximum_interval_days >= 1, "at least 1"),
            ("new_per_day", self.new_per_day >= 0, "0 or more"),
            ("reviews_per_day", self.reviews_per_day >= 0, "0 or more"),
            ("leech_threshold", self.leech_threshold >= 1, "at least 1"),
            ("theme", bool(self.theme.strip()), "a theme name such as textual-dark or textual-light"),
            ("day_starts_at_hour", 0 <= self.day_starts_at_hour <= 23, "an hour from 0 to 23"),
            ("backups_to_keep", self.backups_to_keep >= 1, "at least 1"),
            ("fsrs_parameters", _parameters_ok(self.fsrs_parameters), "21 numbers within fsrs's bounds"),
            ("card_time_limit_seconds", 0 < self.card_time_limit_seconds <= 600, "more than 0 and at most 600"),
            ("card_memory_mb", 64 <= self.card_memory_mb <= 65536, "from 64 to 65536"),
            ("card_output_kb", 0 <= self.card_output_kb <= 65536, "from 0 to 65536"),
            ("answer_time_cap_seconds", 1 <= self.answer_time_cap_seconds <= 3600, "from 1 to 3600"),
            ("keymap", all(isinstance(k, str) and isinstance(v, str) and k and v.strip()
                           for k, v in self.keymap), "binding ids mapped to keys, e.g. {\"undo\": \"u\"}"),
        ]
        for name, ok, expected in checks:
            if not ok:
                raise SettingsError(f"setting {name} = {getattr(self, name)!r} must be {expected}")
        return self

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["keymap"] = dict(self.keymap)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}


def _parameters_ok(parameters: tuple[float, ...] | None) -> bool:
    if parameters is None:
        return True
    from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS

    return len(parameters) == len(LOWER_BOUNDS_PARAMETERS) and all(
        lo <= p <= hi for p, lo, hi in zip(parameters, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True)
    )


def _coerce(name: str, annotation: str, raw: Any) -> Any:
    """Turn a JSON value or an environment string into the field's type, or raise SettingsError."""
    try:
        if annotation == "bool":
            if isinstance(raw, str):
                if raw.strip().lower() in ("1", "true", "yes", "on"):
                    return True
                if raw.strip().lower() in ("0", "false", "no", "off"):
                    return False
                raise ValueError(raw)
            if isinstance(raw, bool):
                return raw
            raise ValueError(raw)
        if annotation == "int":
            if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
                raise ValueError(raw)
            return int(raw)
        if annotation == "float":
            if isinstance(raw, bool):
                raise ValueError(raw)
            return float(raw)
        if annotation == "str":
            if not isinstance(raw, str):
                raise ValueError(raw)
            return raw
        if annotation.startswith("tuple[tuple[str, str], ...]"):
            if isinstance(raw, str):  # QUIZAPP_KEYMAP=undo=u;bury=ctrl+b (keys may hold commas)
                pairs = [p.partition("=") for p in raw.split(";") if p.strip()]
                if any(not sep for _, sep, _ in pairs):
                    raise ValueError(raw)
                raw = {k.strip(): v.strip() for k, _, v in pairs}
            if not isinstance(raw, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in raw.items()):
                raise ValueError(raw)
            return tuple(sorted(raw.items()))
        if annotation.startswith("tuple[float, ...]"):
            if raw is None and "None" in annotation:
                return None
            if isinstance(raw, str):
                raw = [p for p in raw.replace(" ", "").split(",") if p]
            if not isinstance(raw, (list, tuple)) or any(isinstance(v, bool) for v in raw):
                raise ValueError(raw)
            return tuple(float(v) for v in raw)
    except (TypeError, ValueError):
        pass
    raise SettingsError(f"setting {name} has an unreadable value {raw!r}")


def _env_overrides() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(Settings):
        raw = os.environ.get(ENV_PREFIX + f.name.upper())
        if raw is not None:
            out[f.name] = _coerce(f.name, str(f.type), raw)
    return out


def load(path: Path | None = None, *, env: bool = True) -> Settings:
    """Read the settings file (defaults when it does not exist), then apply environment overrides."""
    path = path or locations.settings_path()
    values: dict[str, Any] = {}
    if path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SettingsError(
                f"{path}: not readable settings ({exc}); fix it or delete it for the defaults"
            ) from None
        if not isinstance(data, dict):
            raise SettingsError(f"{path}: settings must be a JSON object; fix it or delete it for the defaults")
        types = {f.name: str(f.type) for f in fields(Settings)}
        for key, raw in data.items():
            if key in types:
                try:
                    values[key] = _coerce(key, types[key], raw)
                except SettingsError as exc:
                    raise SettingsError(f"{path}: {exc}; fix it or delete it for the defaults") from None
    if env:
        values.update(_env_overrides())
    try:
        return Settings(**values).validated()
    except SettingsError as exc:
        raise SettingsError(f"{path}: {exc}") from None


def save(settings: Settings, path: Path | None = None) -> Path:
    """Validate and write the settings atomically (write a temp file, then rename over the old one)."""
    settings.validated()
    path = path or locations.settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".settings-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(settings.to_json(), fh, indent=2)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def updated(settings: Settings, **changes: Any) -> Settings:
    """A copy with ``changes`` applied and validated (what the TUI's settings screen calls)."""
    return replace(settings, **changes).validated()


__all__ = ["Settings", "SettingsError", "load", "save", "updated"]
