"""hotneuro's built-in comparison methods, registered as an ordinary plugin."""

from __future__ import annotations

from collections.abc import Callable

from ..hookspecs import hookimpl
from .spec import Method

__all__ = ["hotneuro_register_methods"]


@hookimpl
def hotneuro_register_methods(register: Callable[[Method], None]) -> None:
    from functools import partial

    from . import hot

    register(Method(name="hot", compare=hot.compare_hot,
                    description=hot.METADATA["description"], metadata=hot.METADATA))
    for rule, meta in (("pairwise_best", hot.PAIRWISE_BEST_METADATA),
                       ("single_best", hot.SINGLE_BEST_METADATA)):
        register(Method(name=rule, compare=partial(hot.compare_hot, rule=rule),
                        description=meta["description"], metadata=meta))
    from . import cka

    register(Method(name="cka", compare=cka.compare_cka,
                    description=cka.METADATA["description"], metadata=cka.METADATA))
