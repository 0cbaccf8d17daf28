"""Cost Explorer ``GetDimensionValues``, derived from the calling account's cost line items.

A dimension's values are those the account's line items carry (so they agree with ``GetCostAndUsage``), after
the ``dimension_values`` the seed declares for values or Attributes the line items lack (e.g. LINKED_ACCOUNT's
``description``). ``SearchString`` matches a substring, case-insensitively; ``MaxResults`` / ``NextPageToken``
page (1000 values by default). With ``SortBy`` the values are ranked by a metric's cost over the line items
``Filter`` selects: "When you use SortBy, NextPageToken and SearchString aren't supported", and the context
must be COST_AND_USAGE (GetDimensionValues, Cost Explorer API Reference). :func:`search_sort_page` does the
same for ``GetTags`` and ``GetCostCategories`` (:mod:`local_stack.moto_ext.ce_discovery`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from local_stack.moto_ext.ce_core import COST_METRICS, DIMENSIONS, metric_total, paginate, time_buckets
from local_stack.moto_ext.ce_data import CeDataResponse, dimension_values
from local_stack.moto_ext.exceptions import ValidationException

LIST_PAGE_SIZE = 1000  # GetDimensionValues, GetTags, GetCostCategories: 1000 results by default


def search_sort_page(
    params: dict[str, Any], names: list[str], cost_of: Callable[[str, str], Decimal]
) -> tuple[list[str], int, str | None]:
    """One page of ``names`` as GetTags / GetCostCategories / GetDimensionValues answer it, the total, the token.

    Raises:
        ValidationException: SortBy with SearchString or NextPageToken, an unknown SortBy key, MaxResults > 1000.
    """
    sort_by = params.get("SortBy") or []
    if sort_by:
        if params.get("SearchString") or params.get("NextPageToken"):
            raise ValidationException("SearchString and NextPageToken are not supported with SortBy.")
        key = str(sort_by[0].get("Key"))
        if key not in COST_METRICS:
            raise ValidationException(f"SortBy Key must be one of {list(COST_METRICS)}.")
        limit = params.get("MaxResults") or LIST_PAGE_SIZE
        if not isinstance(limit, int) or not 1 <= limit <= LIST_PAGE_SIZE:
            raise ValidationException(f"MaxResults must be between 1 and {LIST_PAGE_SIZE}.")
        ranked = sorted(names, key=lambda n: cost_of(n, key), reverse=sort_by[0].get("SortOrder") == "DESCENDING")
        return ranked[:limit], len(names), None
    search = str(params.get("SearchString") or "").lower()
    matching = [n for n in names if search in n.lower()]
    paging = {k: v for k, v in params.items() if k != "MaxResults"}  # "only used when SortBy is provided"
    page, token = paginate([{"Value": n} for n in matching], paging, "NextPageToken", LIST_PAGE_SIZE)
    return [str(p["Value"]) for p in page], len(matching), token


class DimensionsResponse(CeDataResponse):
    """``GetDimensionValues`` of the calling account."""

    def get_dimension_values(self) -> str:
        """Emulate ``GetDimensionValues``: the line items' values of a dimension, searched and paged, or by cost."""
        params = self._params()
        if params.get("SortBy") and params.get("Context", "COST_AND_USAGE") != "COST_AND_USAGE":
            raise ValidationException("When you specify SortBy, the context must be COST_AND_USAGE.")
        time_buckets(params, default_granularity=None)
        dimension = params.get("Dimension")
        if dimension not in DIMENSIONS:
            raise ValidationException(f"Dimension {dimension!r} is not a valid Cost Explorer dimension.")
        values = dimension_values(self.data_backend, self._items(), str(dimension))
        if params.get("SortBy"):
            selected = self._items(params)
            by_value = {str(v["Value"]): v for v in values}

            def cost_of(value: str, metric: str) -> Decimal:
                return metric_total([i for i in selected if i.attributes.get(str(dimension)) == value], metric)

            ranked, size, _ = search_sort_page(params, sorted(by_value), cost_of)
            found = [by_value[v] for v in ranked]
            return json.dumps({"DimensionValues": found, "ReturnSize": len(found), "TotalSize": size})
        search = str(params.get("SearchString") or "").lower()
        matching = [v for v in values if search in str(v["Value"]).lower()]
        page, token = paginate(matching, params, "NextPageToken", LIST_PAGE_SIZE)
        response: dict[str, Any] = {"DimensionValues": page, "ReturnSize": len(page), "TotalSize": len(matching)}
        return json.dumps({**response, **({"NextPageToken": token} if token else {})})
