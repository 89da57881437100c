"""The one conversion of ktokovo's values to JSON: numpy scalars and arrays become numbers and lists, NaN and
infinity become null (JSON has neither), tuples and sets become lists, dates become ISO text.

>>> import numpy as np
>>> to_jsonable({"a": np.float64(1.5), "b": np.array([1.0, np.nan]), "c": (np.int64(2), float("inf"))})
{'a': 1.5, 'b': [1.0, None], 'c': [2, None]}
>>> dumps({"x": np.nan})
'{\\n  "x": null\\n}'
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np


def to_jsonable(value: Any, digits: int | None = None) -> Any:
    """``value`` as plain JSON data; ``digits``: round every float to that many decimals (None: as it is)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if not math.isfinite(number):
            return None
        return round(number, digits) if digits is not None else number
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        return [to_jsonable(v, digits) for v in value.tolist()] if value.ndim else to_jsonable(value.item(), digits)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v, digits) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name), digits) for f in dataclasses.fields(value)}
    return str(value)


def dumps(value: Any, indent: int | None = 2) -> str:
    """``value`` as JSON text (UTF-8 kept as it is), through :func:`to_jsonable`; never NaN or Infinity."""
    return json.dumps(to_jsonable(value), ensure_ascii=False, indent=indent, allow_nan=False)
