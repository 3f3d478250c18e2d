"""The wire layer: GitBook's JSON <-> the models, strictly typed, with JSON paths in errors.

``structure``/``structure_response`` build models from decoded JSON, ``unstructure`` turns
models back into it, and ``make_converter`` builds a converter configured for the wire format.
``read_models``/``read_list`` (and the public ``structure_json``) build models from response
bytes: in C when they can (``decode_models``, msgspec; an ``OwnerMemo`` shares what repeats
across pages and walks), else through strict JSON and the cattrs path; ``plan_of`` gives the
decode and build steps apart, ``REFUSALS`` what they raise for a body they do not read. The
accelerated path learns fields newer than the models.
Importing this package also gives the models their ``to_dict()`` (``gitbook_async`` imports it);
it imports neither msgspec nor cattrs, and generates nothing, before the first call needing it.
"""

from gitbook_async._wire._accelerated import (
    REFUSALS,
    OwnerMemo,
    decode_models,
    is_accelerated,
    plan_of,
    structure,
)
from gitbook_async._wire._converter import (
    make_converter,
    structure_response,
    unstructure,
)
from gitbook_async._wire._pages import (
    Built,
    DecodedList,
    read_list,
    read_models,
    structure_json,
)

__all__ = [
    "REFUSALS",
    "Built",
    "DecodedList",
    "OwnerMemo",
    "decode_models",
    "is_accelerated",
    "make_converter",
    "plan_of",
    "read_list",
    "read_models",
    "structure",
    "structure_json",
    "structure_response",
    "unstructure",
]
