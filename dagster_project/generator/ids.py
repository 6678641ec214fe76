"""Record identifiers that look like the ones the real systems issue.

CRM ids are 18-character Salesforce ids: a 3-character key prefix naming the object (001 account, 006 opportunity,
...), a pod, a base-62 sequence and the 3-character case-safe checksum Salesforce appends, so anything that
validates or shortens ids to 15 characters sees well-formed values. Sequences are handed out in creation order,
like Salesforce does, so ids sort roughly by age. Everything is computed on uint8 arrays, never per row.
"""

from __future__ import annotations

import numpy as np

_B62 = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
_SUFFIX = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", dtype=np.uint8)
_OFFSET = 62**6 * 10 + 62**5 * 36  # makes the sequence part start with letters, like real ids ("...000Ab12x")

ACCOUNT = "001"
OPPORTUNITY = "006"
OPPORTUNITY_HISTORY = "008"
CONTRACT = "800"
LEAD = "00Q"
TASK = "00T"
EVENT = "00U"
USER = "005"
SPLIT = "04S"


def sf_ids(prefix: str, seq: np.ndarray, pod: str = "5g") -> np.ndarray:
    """18-character Salesforce-style ids for sequence numbers `seq` (unique seq -> unique id)."""
    if len(prefix) != 3 or len(pod) != 2:
        raise ValueError("prefix must have 3 and pod 2 characters")
    seq = np.asarray(seq, np.int64)
    n = len(seq)
    body = np.empty((n, 15), np.uint8)
    body[:, :8] = np.frombuffer((prefix + pod + "000").encode(), np.uint8)
    v = seq + _OFFSET
    for pos in range(14, 7, -1):
        body[:, pos] = _B62[v % 62]
        v //= 62
    upper = ((body >= 65) & (body <= 90)).reshape(n, 3, 5).astype(np.int64)
    flags = upper @ (1 << np.arange(5, dtype=np.int64))
    full = np.concatenate([body, _SUFFIX[flags]], axis=1)
    return np.ascontiguousarray(full).view("S18").ravel().astype("U18")


def seq_ids(prefix: str, seq: np.ndarray, width: int) -> np.ndarray:
    """Business keys like E0001, C000001, INV-000001 (1-based `seq` + 1 when given 0-based)."""
    digits = np.strings.zfill(np.asarray(seq, np.int64).astype(str), width)
    return np.strings.add(prefix, digits)
