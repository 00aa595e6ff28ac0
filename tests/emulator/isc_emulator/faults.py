"""Fault injection rules for the ISC emulator (a test double, not affiliated with SailPoint).

Tests install rules through ``POST /__emulator/faults`` to make ISC requests fail in the ways a
real network and a real service do: an error status (with Retry-After for 429), an abrupt TCP
reset before anything is applied, a reset *after* a write was applied (so clients must cope with
"did my create happen?"), or a delay. Rules are checked in order; the first one that matches the
request and fires (count left, or the seeded coin flip for ``rate``) is applied.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any, Optional

ACTIONS = ("status", "reset", "drop_after_apply", "delay")
_RULE_KEYS = {"method", "path", "path_regex", "action", "status", "retry_after", "body", "delay", "count", "rate", "seed"}


class FaultRuleError(ValueError):
    """A rule document that cannot be understood; reported as 400 by the control API."""


@dataclass
class FaultRule:
    action: str
    method: Optional[str] = None
    path: Optional[str] = None
    path_regex: Optional[str] = None
    status: Optional[int] = None
    retry_after: Optional[int] = None
    body: Any = None
    delay: float = 0.0
    remaining: Optional[int] = None  # None = no count limit
    rate: Optional[float] = None
    seed: Any = None
    applied: int = 0
    _pattern: Optional[re.Pattern] = field(default=None, repr=False)
    _rng: Optional[random.Random] = field(default=None, repr=False)

    @property
    def spent(self) -> bool:
        return self.remaining is not None and self.remaining <= 0

    def matches(self, method: str, path: str) -> bool:
        if self.spent:
            return False
        if self.method is not None and self.method != method:
            return False
        if self.path is not None and self.path != path:
            return False
        if self._pattern is not None and not self._pattern.search(path):
            return False
        return True

    def fires(self) -> bool:
        """Draw for probabilistic rules (deterministic given the seed), then consume a count."""
        if self.rate is not None and self._rng is not None and self._rng.random() >= self.rate:
            return False
        if self.remaining is not None:
            self.remaining -= 1
        self.applied += 1
        return True

    def describe(self) -> dict:
        view = {
            "action": self.action,
            "method": self.method,
            "path": self.path,
            "path_regex": self.path_regex,
            "status": self.status,
            "retry_after": self.retry_after,
            "body": self.body,
            "delay": self.delay,
            "count": self.remaining,
            "rate": self.rate,
            "seed": self.seed,
            "applied": self.applied,
            "spent": self.spent,
        }
        return {key: value for key, value in view.items() if value is not None}


def _number(rule: dict, key: str, kind: type, minimum: float) -> Any:
    value = rule.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)):
        raise FaultRuleError(f"rule field {key!r} must be a {kind.__name__}, got {value!r}")
    if value < minimum:
        raise FaultRuleError(f"rule field {key!r} must be >= {minimum}, got {value!r}")
    return kind(value)


def parse_rule(document: Any, index: int, default_seed: Any) -> FaultRule:
    if not isinstance(document, dict):
        raise FaultRuleError(f"rule #{index} must be an object")
    unknown = sorted(set(document) - _RULE_KEYS)
    if unknown:
        raise FaultRuleError(f"rule #{index}: unknown field(s) {', '.join(unknown)}")
    action = document.get("action")
    if action not in ACTIONS:
        raise FaultRuleError(f"rule #{index}: action must be one of {', '.join(ACTIONS)}, got {action!r}")
    status = _number(document, "status", int, 100)
    if action == "status" and status is None:
        raise FaultRuleError(f"rule #{index}: action 'status' needs a 'status' code")
    rate = _number(document, "rate", float, 0)
    if rate is not None and rate > 1:
        raise FaultRuleError(f"rule #{index}: rate is a probability between 0 and 1")
    method = document.get("method")
    if method is not None and not isinstance(method, str):
        raise FaultRuleError(f"rule #{index}: method must be a string")
    for key in ("path", "path_regex"):
        if document.get(key) is not None and not isinstance(document[key], str):
            raise FaultRuleError(f"rule #{index}: {key} must be a string")
    pattern = None
    if document.get("path_regex") is not None:
        try:
            pattern = re.compile(document["path_regex"])
        except re.error as error:
            raise FaultRuleError(f"rule #{index}: invalid path_regex: {error}") from None
    seed = document.get("seed", default_seed)
    rng = None
    if rate is not None:
        # One generator per rule: the sequence of hits for a rule does not depend on what other
        # rules drew, so a test can reason about each rule on its own.
        rng = random.Random(f"{seed}:{index}" if "seed" not in document else seed)
    return FaultRule(
        action=action,
        method=method.upper() if method else None,
        path=document.get("path"),
        path_regex=document.get("path_regex"),
        status=status,
        retry_after=_number(document, "retry_after", int, 0),
        body=document.get("body"),
        delay=_number(document, "delay", float, 0) or 0.0,
        remaining=_number(document, "count", int, 0),
        rate=rate,
        seed=seed if rate is not None else None,
        _pattern=pattern,
        _rng=rng,
    )


class FaultSchedule:
    """The current rule list of one tenant. Callers hold the tenant lock."""

    def __init__(self) -> None:
        self.rules: list[FaultRule] = []
        self.seed: Any = None

    def replace(self, document: Any) -> None:
        if not isinstance(document, dict) or not isinstance(document.get("rules", []), list):
            raise FaultRuleError('expected {"rules": [...], "seed": optional}')
        unknown = sorted(set(document) - {"rules", "seed"})
        if unknown:
            raise FaultRuleError(f"unknown field(s) {', '.join(unknown)}")
        seed = document.get("seed")
        rules = [parse_rule(rule, index, seed) for index, rule in enumerate(document.get("rules", []))]
        self.rules, self.seed = rules, seed

    def clear(self) -> None:
        self.rules, self.seed = [], None

    def take(self, method: str, path: str) -> Optional[FaultRule]:
        for rule in self.rules:
            if rule.matches(method, path) and rule.fires():
                return rule
        return None

    def describe(self) -> dict:
        return {"rules": [rule.describe() for rule in self.rules], "seed": self.seed}
