"""Paths into nested JSON, as descriptors write them: "geolocalisation.lat", "a.b[0].c", "contacts[-1]"."""

from __future__ import annotations

import re

PATH_TOKEN = re.compile(r"\[(-?\d+)\]|\.?([^.\[\]]+)")


def path_value(data, path: str):
    """The value at a column name, or at a path into nested JSON: "geolocalisation.lat" (key lat of the
    object geolocalisation), "a.b[0].c" (item 0 of list b), "contacts[-1]" (the last item). A key that
    is literally the whole name ("investissement_de_l.etat") wins. None when the path leads nowhere."""
    if isinstance(data, dict) and path in data:
        return data[path]
    if not isinstance(data, (dict, list)) or ("." not in path and "[" not in path):
        return None
    value = data
    for m in PATH_TOKEN.finditer(path):
        index, key = m.group(1), m.group(2)
        if index is not None:
            if not isinstance(value, list) or not -len(value) <= int(index) < len(value):
                return None
            value = value[int(index)]
        elif isinstance(value, dict) and key in value:
            value = value[key]
        else:
            return None
    return value
