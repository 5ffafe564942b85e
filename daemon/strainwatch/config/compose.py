"""The settings the config file is read into, composed from what each kind says it owns.

The centre (config/settings.py) holds the tables every install has ([storage], [notify],
[web], [[athletes]] ...). Each kind of source and channel brings its own tables as a
`KindConfig`: a top-level `[<table>]`, an athlete's `[athletes.<table>]`, or the keys of an
`[[athletes.channels]]` table of its kind; `compose` builds `Settings` and
`AthleteSettings` with those as fields, so pydantic checks every key and names it in errors,
and no module of the centre names a kind. The registries hand their kinds to `compose` in
strainwatch/kinds.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Union

from pydantic import BaseModel, Discriminator, Field, Tag, create_model, model_validator

from strainwatch.config.settings import AthleteSettings, ChannelSettings, Settings

Secret = tuple[str, Path | None]


@dataclass(frozen=True, slots=True)
class KindConfig:
    """What one kind reads from the config file.

    `table`: its name as a table ([<table>] and [athletes.<table>]); `top`: the model of
    `[<table>]`, shared by every athlete; `athlete`: the model of `[athletes.<table>]`,
    present by default when `always`; `channel`: the model of an `[[athletes.channels]]`
    table whose `kind` is `table` (a subclass of ChannelSettings); `check` and
    `athlete_check`: what only the whole file can say (raise ValueError);
    `reserved`: channel names the kind keeps for itself, with the reason; `secrets`: the
    secret files `doctor` checks.
    """

    table: str
    top: type[BaseModel] | None = None
    athlete: type[BaseModel] | None = None
    always: bool = False
    channel: type[ChannelSettings] | None = None
    check: Callable[[Settings], None] | None = None
    athlete_check: Callable[[AthleteSettings], None] | None = None
    reserved: dict[str, str] = field(default_factory=dict)
    secrets: Callable[[Settings], list[Secret]] | None = None

    def secrets_of(self, settings: Settings) -> list[Secret]:
        """The secret files the kind reads: (the name under $CREDENTIALS_DIRECTORY, the file)."""
        return self.secrets(settings) if self.secrets is not None else []


def _table_field(model: type[BaseModel], always: bool) -> tuple[Any, Any]:
    if always:
        return model, Field(default_factory=model, description=model.__doc__)
    return model | None, Field(default=None, description=model.__doc__)


def _channel_kind(default: str) -> Callable[[Any], str | None]:
    def kind_of(value: Any) -> str | None:
        kind = value.get("kind", default) if isinstance(value, dict) else getattr(value, "kind", None)
        return kind if isinstance(kind, str) else None

    return kind_of


def _channel_type(configs: Sequence[KindConfig], default: str) -> Any:
    """One `[[athletes.channels]]` table: the model of the kind its `kind` names."""
    tagged = [Annotated[c.channel, Tag(c.table)] for c in configs if c.channel is not None]
    known = ", ".join(c.table for c in configs if c.channel is not None)
    if not tagged:
        return ChannelSettings
    return Annotated[
        Union[tuple(tagged)],  # noqa: UP007 - a union built at run time
        Discriminator(
            _channel_kind(default),
            custom_error_type="channel_kind",
            custom_error_message=f"kind: not a kind of channel (known: {known})",
        ),
    ]


def _list_of(item: Any) -> Any:
    """`list[item]` for a type built at run time (which a type checker cannot read)."""
    return list.__class_getitem__(item)


def _no_clash(base: type[BaseModel], fields: Sequence[str]) -> None:
    """A kind's table cannot take the name of the centre's or of another kind's."""
    taken = [name for name in fields if name in base.model_fields] + [
        n for n in set(fields) if fields.count(n) > 1
    ]
    if taken:
        raise ValueError(f"tables of kinds named twice: {', '.join(sorted(set(taken)))}")


def _checks(checks: Sequence[Callable[[Any], None]]) -> Any:
    def run(self: Any) -> Any:
        for check in checks:
            check(self)
        return self

    return model_validator(mode="after")(run)


def compose(configs: Sequence[KindConfig], default_channel: str) -> type[Settings]:
    """`Settings` with every kind's tables; `default_channel`: the kind of a channel table
    without `kind`."""
    athlete_fields: dict[str, Any] = {
        c.table: _table_field(c.athlete, c.always) for c in configs if c.athlete is not None
    }
    channel = _channel_type(configs, default_channel)
    _no_clash(AthleteSettings, [c.table for c in configs if c.athlete is not None])
    athlete_fields["channels"] = (_list_of(channel), Field(default_factory=list))
    athlete_checks = [c.athlete_check for c in configs if c.athlete_check is not None]
    athlete: type[AthleteSettings] = create_model(
        "AthleteSettings",
        __base__=AthleteSettings,
        __module__=AthleteSettings.__module__,
        __validators__={"_kinds_check": _checks(athlete_checks)},
        **athlete_fields,
    )
    top_fields: dict[str, Any] = {c.table: _table_field(c.top, False) for c in configs if c.top is not None}
    _no_clash(Settings, [c.table for c in configs if c.top is not None])
    top_fields["athletes"] = (_list_of(athlete), Field(min_length=1))
    checks = [c.check for c in configs if c.check is not None]
    settings: type[Settings] = create_model(
        "Settings",
        __base__=Settings,
        __module__=Settings.__module__,
        __validators__={"_kinds_check": _checks(checks)},
        **top_fields,
    )
    settings.reserved_channel_names = {name: why for c in configs for name, why in c.reserved.items()}
    return settings
