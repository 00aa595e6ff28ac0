"""Hypothesis profiles: `fast` by default (make unit), `thorough` with HYPOTHESIS_PROFILE=thorough (make unit-thorough).

Both are derandomized and keep no example database, so a run is repeatable and leaves nothing behind; they differ only
in how many examples each property gets.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = dict(deadline=None, derandomize=True, database=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
settings.register_profile('fast', max_examples=60, **_COMMON)
settings.register_profile('thorough', max_examples=500, **_COMMON)
settings.load_profile(os.environ.get('HYPOTHESIS_PROFILE', 'fast'))
