"""The numpy brute-force baseline: every listing scored on every query, the same formula as ranking.score()
(and the same straight-line distance between unit vectors as the SQL)."""

from __future__ import annotations

import numpy as np

from finder import ranking
from finder.geo.math import EARTH_RADIUS_KM
from finder.index.rows import unit_vector


def brute_top(data, query: dict, now_epoch: float, k: int = 20) -> tuple[list[int], int]:
    """(ids of the top k, number of matches) for a bench query dict (lat, lon, radius_km, tag_bits, word_bit)."""
    x0, y0, z0 = unit_vector(query["lat"], query["lon"])
    dx, dy, dz = data.xyz[:, 0] - x0, data.xyz[:, 1] - y0, data.xyz[:, 2] - z0
    distance = EARTH_RADIUS_KM * np.sqrt(dx * dx + dy * dy + dz * dz)
    mask = (data.online | (distance <= query["radius_km"])) & (np.isnan(data.end_epoch) | (data.end_epoch >= now_epoch))
    interest = 0.0
    if query["tag_bits"]:
        hits = sum(((data.tag_bits & bit) != 0).astype(float) for bit in query["tag_bits"])
        mask &= hits > 0
        interest = hits * (1.0 / len(query["tag_bits"]))
    relevance = 0.0
    if query["word_bit"]:
        in_title = (data.word_bits & query["word_bit"]) != 0
        mask &= in_title
        relevance = in_title * 1.0
    decay = np.where(data.online, ranking.ONLINE_DISTANCE, 1.0 / (1.0 + distance / ranking.DISTANCE_SCALE_KM))
    hours = np.maximum(data.next_epoch - now_epoch, 0.0) / 3600.0
    timeliness = np.where(np.isnan(hours), ranking.UNDATED_TIMELINESS, 1.0 / (1.0 + hours / ranking.SOON_SCALE_H))
    score = (
        ranking.W_DISTANCE * decay
        + ranking.W_INTEREST * interest
        + ranking.W_TEXT * relevance
        + ranking.W_TIME * timeliness
        + ranking.W_CONNECTION * data.connection
    )
    found = np.flatnonzero(mask)
    if len(found) > k:
        kth = np.partition(-score[found], k - 1)[k - 1]
        found = found[-score[found] <= kth]  # keep every tie at the boundary; ids break ties below
    best = found[np.lexsort((data.ids[found], -score[found]))][:k]
    return [int(i) for i in data.ids[best]], int(mask.sum())
