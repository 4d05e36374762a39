"""``extract``: a PyTorch model's layer activations to stimuli as a hotneuro representation."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import torch
import xarray as xr
from hotneuro.errors import HotneuroError, ParameterError, SourceError
from hotneuro.representations import MIN_STIMULI, validate

from . import __version__
from ._batching import Batch, prepare
from ._layers import as_patterns, matches, select
from ._reduce import REDUCTIONS, SAMPLINGS, UnitBudget, first_tensor, reduce_output, resolve

__all__ = ["extract"]

Reduce = Literal["auto", "mean", "flatten", "tokens"]
UnitSampling = Literal["subsample", "projection"]


def extract(
    model: torch.nn.Module,
    stimuli: Any,
    layers: str | Sequence[str] | None,
    *,
    stimulus_ids: Sequence[Hashable] | np.ndarray | None = None,
    reduce: Reduce | Mapping[str, Reduce] = "auto",
    max_units: int | None = None,
    unit_sampling: UnitSampling = "subsample",
    seed: int = 0,
    batch_size: int = 32,
    preprocess: Callable[[Any], Any] | None = None,
    tokenizer: Callable[..., Any] | None = None,
    max_length: int | None = None,
    device: str | torch.device | None = "cpu",
    system: str | None = None,
    progress: bool = True,
    hidden_states: bool = False,
) -> xr.DataArray:
    """Record a model's layer activations to stimuli as a representation.

    The model runs in evaluation mode under ``torch.no_grad()``, ``batch_size`` stimuli at
    a time; forward hooks on the chosen modules reduce each layer's output for the batch
    at once (see ``reduce`` and ``max_units``), so memory holds one batch of full
    activations and the reduced values of all stimuli. Afterwards the hooks are removed
    and every module's training flag is restored, also when the model raises.

    Parameters
    ----------
    model : torch.nn.Module
    stimuli : array, tensor, mapping or list
        ``(n, H, W, C)`` or ``(n, C, H, W)`` images (uint8 or float), ``(n, D)``
        features, any ``(n, ...)`` tensor; a dict of such arrays passed to the model as
        keywords (e.g. pre-tokenized ``input_ids`` and ``attention_mask``); a list of str
        with ``tokenizer``; a list of anything with ``preprocess``. Without
        ``preprocess``, uint8 values are scaled to [0, 1] and 4-D arrays whose last axis
        has 1, 3 or 4 entries (and axis 1 not) are moved to channels-first.
    layers : str or list of str, or None
        Module names (as in ``model.named_modules()``) or patterns. A pattern is matched
        at each dot-separated part with :func:`fnmatch.fnmatchcase`, so ``*`` does not
        cross a dot: ``"_blocks.*"`` gives ``_blocks.0``, ``_blocks.1``, ... but not
        ``_blocks.0.bn``. The layers come in network order, the order of
        ``model.named_modules()``, whatever the order of the patterns. With
        ``hidden_states=True`` the names are ``"hidden_states.0"`` (the embeddings) to
        ``"hidden_states.K"`` (block K), and ``None`` takes them all.
    stimulus_ids : sequence of str or int, optional
        One unique id per stimulus; default ``0 .. n - 1``.
    reduce : {"auto", "mean", "flatten", "tokens"} or mapping
        How a layer's output becomes units: ``"mean"`` averages a channels-first output
        over its spatial axes (channels are the units), ``"flatten"`` keeps every value,
        ``"tokens"`` averages ``(n, T, D)`` outputs over the tokens the attention mask
        marks, ``"auto"`` picks ``"tokens"`` for 3-D outputs with a mask, ``"mean"`` for
        4-D and ``"flatten"`` otherwise. A mapping ``{layer name or pattern: reduction}``
        sets it per layer (first matching key wins; other layers use ``"auto"``).
    max_units : int, optional
        Most units kept per layer (after ``reduce``); layers with more are reduced by
        ``unit_sampling``, seeded by ``seed`` and the layer's name.
    unit_sampling : {"subsample", "projection"}
        ``"subsample"``: a seeded random subset of units (ids keep the original index);
        ``"projection"``: a seeded Gaussian random projection scaled by
        ``1 / sqrt(max_units)``.
    seed : int
        Seed of the unit subsample or projection (non-negative).
    batch_size : int
        Stimuli per forward pass; results do not depend on it beyond float rounding.
    preprocess : callable, optional
        Called on each batch (a slice of ``stimuli``: array, tensor, dict or list) and
        returns the model input: a tensor, a dict of tensors (keywords) or a tuple.
    tokenizer : callable, optional
        For text: called as ``tokenizer(texts, padding=True, truncation=True,
        max_length=max_length, return_tensors="pt")`` per batch (a Hugging Face
        tokenizer); its ``attention_mask`` weights ``reduce="tokens"``.
    max_length : int, optional
        Truncate texts to this many tokens.
    device : str or torch.device or None
        Where to run (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``). A model elsewhere is
        moved there for the extraction and moved back afterwards. ``None``: where the
        model is.
    system : str, optional
        ``attrs["system"]``; default the model's class name.
    progress : bool
        Show a progress bar (tqdm).
    hidden_states : bool
        Call ``model(..., output_hidden_states=True)`` and take ``outputs.hidden_states``
        (Hugging Face models) instead of forward hooks.

    Returns
    -------
    xarray.DataArray
        A validated representation: dims ``("stimulus", "unit")``, float32, a ``layer``
        coordinate in network order, unit ids ``"<layer>/<i>"`` (``"<layer>/p<j>"`` for
        projections); attrs ``system``, ``model``, ``layers``, ``reduction`` (per layer),
        ``unit_sampling``, ``max_units`` (when given), ``seed``, ``capture``,
        ``n_stimuli``, ``torch_version``, ``hotneuro_torch_version``.

    Raises
    ------
    SourceError
        Unknown layers (the message lists close names), stimuli that cannot be batched,
        text without a tokenizer's output, a layer that does not run exactly once per
        forward pass or whose output is not per stimulus, a model that fails on the
        inputs.
    ParameterError
        Option values out of range: ``reduce``, ``max_units < 1``, ``unit_sampling``,
        ``batch_size``, ``seed``, ``device``, ``stimulus_ids`` (wrong length, duplicates,
        mixed types), ``tokenizer``/``max_length`` without text.
    """
    if not isinstance(model, torch.nn.Module):
        raise SourceError(
            f"extract() takes a torch.nn.Module, got {type(model).__module__}."
            f"{type(model).__name__}."
        )
    _check_options(reduce=reduce, max_units=max_units, unit_sampling=unit_sampling, seed=seed,
                   batch_size=batch_size, system=system, hidden_states=hidden_states)
    if layers is None and not hidden_states:
        raise ParameterError(
            "layers= is required: name the modules to record, e.g. layers=['conv1', "
            "'layer*'] (see [name for name, _ in model.named_modules()]); layers=None "
            "only goes with hidden_states=True."
        )
    patterns = None if layers is None else as_patterns(layers)
    stim = prepare(stimuli, preprocess=preprocess, tokenizer=tokenizer, max_length=max_length)
    if stim.n < MIN_STIMULI:
        raise SourceError(f"Got {stim.n} stimuli; a representation needs at least "
                          f"{MIN_STIMULI} (correlations over stimuli).")
    ids = _stimulus_ids(stimulus_ids, stim.n)
    run_on, home = _devices(model, device)
    name = type(model).__name__
    capture = _Capture(stim.n, reduce=reduce, max_units=max_units, unit_sampling=unit_sampling,
                       seed=int(seed), model=name)
    if not hidden_states:
        modules = dict(model.named_modules())
        chosen = select(list(modules), patterns or [], model=name)
        capture.set_layers(chosen, containers=[layer for layer in chosen if isinstance(
            modules[layer], (torch.nn.ModuleList, torch.nn.ModuleDict))])

    from tqdm.auto import tqdm

    modes = [(m, m.training) for m in model.modules()]
    handles: list[Any] = []
    bar = tqdm(total=stim.n, desc=f"{system or name} activations", unit="stimulus",
               disable=not progress)
    float_dtype = _float_dtype(model)
    try:
        if home is not None:
            model.to(run_on)
        model.eval()
        if not hidden_states:
            for layer in capture.layers:
                handles.append(modules[layer].register_forward_hook(capture.hook(layer)))
        with torch.no_grad():
            for start in range(0, stim.n, batch_size):
                stop = min(start + batch_size, stim.n)
                batch = stim.batch(start, stop, device=run_on, float_dtype=float_dtype)
                capture.begin(batch)
                out = _call(model, batch, hidden_states)
                if hidden_states:
                    capture.take_hidden_states(out, patterns)
                capture.finish(start, stop)
                bar.update(stop - start)
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes:
            module.training = training
        if home is not None:
            model.to(home)
        bar.close()
    rep = capture.representation(ids)
    rep.attrs = {
        "system": system if system is not None else name,
        "model": f"{type(model).__module__}.{type(model).__qualname__}",
        "layers": list(capture.layers),
        "reduction": [capture.reductions[layer] for layer in capture.layers],
        "unit_sampling": unit_sampling if max_units is not None else "none",
        **({"max_units": int(max_units)} if max_units is not None else {}),
        "seed": int(seed),
        "capture": "hidden_states" if hidden_states else "forward hooks",
        "n_stimuli": stim.n,
        "torch_version": str(torch.__version__),
        "hotneuro_torch_version": __version__,
    }
    return validate(rep, copy=False)


def _is_int(x: Any) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def _check_options(*, reduce: Any, max_units: Any, unit_sampling: Any, seed: Any,
                   batch_size: Any, system: Any, hidden_states: Any) -> None:
    values = reduce.values() if isinstance(reduce, Mapping) else [reduce]
    if isinstance(reduce, Mapping) and not reduce:
        raise ParameterError("reduce= is an empty mapping; give {layer pattern: "
                             f"reduction}} with reductions from {list(REDUCTIONS)}.")
    for value in values:
        if value not in REDUCTIONS:
            raise ParameterError(
                f"reduce= must be one of {list(REDUCTIONS)} (or a mapping of layer "
                f"patterns to them), got {value!r}."
            )
    if isinstance(reduce, Mapping):
        as_patterns(list(reduce), what="reduce")
    if max_units is not None and (not _is_int(max_units) or max_units < 1):
        raise ParameterError(f"max_units= must be a positive int (units per layer) or "
                             f"None for all units, got {max_units!r}.")
    if unit_sampling not in SAMPLINGS:
        raise ParameterError(f"unit_sampling= must be one of {list(SAMPLINGS)}, got "
                             f"{unit_sampling!r}.")
    if not _is_int(seed) or seed < 0:
        raise ParameterError(f"seed= must be a non-negative int, got {seed!r}.")
    if not _is_int(batch_size) or batch_size < 1:
        raise ParameterError(f"batch_size= must be a positive int, got {batch_size!r}.")
    if system is not None and not isinstance(system, str):
        raise ParameterError(f"system= must be a str, got {type(system).__name__}.")
    if not isinstance(hidden_states, bool):
        raise ParameterError(f"hidden_states= must be True or False, got {hidden_states!r}.")


def _stimulus_ids(stimulus_ids: Any, n: int) -> np.ndarray:
    if stimulus_ids is None:
        return np.arange(n)
    if isinstance(stimulus_ids, (str, bytes, Mapping)) or not (
            hasattr(stimulus_ids, "__len__") and hasattr(stimulus_ids, "__iter__")):
        raise ParameterError(f"stimulus_ids= must be a sequence of str or int, one per "
                             f"stimulus, got {type(stimulus_ids).__name__}.")
    ids = list(stimulus_ids.tolist() if isinstance(stimulus_ids, np.ndarray) else stimulus_ids)
    if len(ids) != n:
        raise ParameterError(f"Got {len(ids)} stimulus_ids for {n} stimuli; give exactly one "
                             "id per stimulus, in the order of the stimuli.")
    if all(isinstance(i, str) for i in ids):
        arr = np.asarray(ids, dtype=str)
    elif all(_is_int(i) for i in ids):
        arr = np.asarray(ids, dtype=np.int64)
    else:
        kinds = sorted({type(i).__name__ for i in ids})
        raise ParameterError(f"stimulus_ids= must be all str or all int, got "
                             f"{', '.join(kinds)}.")
    uniq, counts = np.unique(arr, return_counts=True)
    if uniq.size != arr.size:
        dups = ", ".join(repr(d.item()) for d in uniq[counts > 1][:5])
        raise ParameterError(f"stimulus_ids= repeats {dups}; every stimulus needs its own "
                             "id (comparisons align stimuli on these ids).")
    return arr


def _devices(model: torch.nn.Module, device: Any) -> tuple[torch.device, torch.device | None]:
    """(where to run, where to move the model back to, or None when it is not moved)."""
    tensors = [*model.parameters(), *model.buffers()]
    where = {t.device for t in tensors}
    if device is None:
        return (next(iter(where)) if len(where) == 1 else torch.device("cpu")), None
    try:
        target = torch.device(device)
    except (RuntimeError, TypeError, ValueError) as exc:
        raise ParameterError(f"device= {device!r} is not a torch device ('cpu', 'cuda', "
                             f"'cuda:0', 'mps'): {exc}") from exc
    if target.type == "cuda" and not torch.cuda.is_available():
        raise ParameterError(f"device={device!r} but CUDA is not available in this torch "
                             f"({torch.__version__}); use device='cpu'.")
    if target.type == "cuda" and target.index is None:
        target = torch.device("cuda", torch.cuda.current_device())
    if not where or where == {target}:
        return target, None
    if len(where) > 1:
        raise ParameterError(
            f"The model's parameters lie on several devices ({sorted(map(str, where))}); "
            "pass device=None to run it where it is."
        )
    return target, next(iter(where))


def _float_dtype(model: torch.nn.Module) -> torch.dtype:
    for p in model.parameters():
        if p.is_floating_point():
            return p.dtype
    return torch.float32


def _call(model: torch.nn.Module, batch: Batch, hidden_states: bool) -> Any:
    extra = {"output_hidden_states": True} if hidden_states else {}
    inputs = batch.inputs
    try:
        if isinstance(inputs, Mapping):
            return model(**inputs, **extra)
        if isinstance(inputs, tuple):
            return model(*inputs, **extra)
        return model(inputs, **extra)
    except HotneuroError:
        raise
    except Exception as exc:
        shapes = ({k: tuple(v.shape) for k, v in inputs.items() if hasattr(v, "shape")}
                  if isinstance(inputs, Mapping) else
                  [tuple(v.shape) for v in inputs if hasattr(v, "shape")]
                  if isinstance(inputs, tuple) else tuple(inputs.shape))
        how = (" It was called with output_hidden_states=True (hidden_states=True), which "
               "Hugging Face models accept; for other models record layers with hooks "
               "(hidden_states=False)." if hidden_states else "")
        raise SourceError(
            f"The model raised {type(exc).__name__} on a batch of {batch.size} stimuli "
            f"(input {shapes}): {exc}. Check that the stimuli, or preprocess=, give the "
            f"input the model expects.{how}"
        ) from exc


class _Capture:
    """Collects the reduced activations of every layer, batch by batch."""

    def __init__(self, n: int, *, reduce: Any, max_units: int | None, unit_sampling: str,
                 seed: int, model: str) -> None:
        self.n, self.reduce, self.max_units = n, reduce, max_units
        self.unit_sampling, self.seed, self.model = unit_sampling, seed, model
        self.layers: list[str] = []
        self.reductions: dict[str, str] = {}
        self.budgets: dict[str, UnitBudget] = {}
        self.values: np.ndarray | None = None
        self.offsets: dict[str, int] = {}
        self._batch: Batch | None = None
        self._current: dict[str, np.ndarray] = {}
        self._n_states = 0
        self._containers: list[str] = []

    def set_layers(self, layers: list[str], containers: Sequence[str] = ()) -> None:
        """Record ``layers``; ``containers`` are those never called themselves."""
        self.layers, self._containers = layers, list(containers)
        if isinstance(self.reduce, Mapping):
            unused = [p for p in self.reduce if not any(matches(p, n) for n in layers)]
            if unused:
                raise ParameterError(
                    f"reduce= names {unused}, which match none of the recorded layers "
                    f"{layers}; its keys are layer names or patterns."
                )

    def _requested(self, layer: str) -> str:
        if isinstance(self.reduce, Mapping):
            for pattern, how in self.reduce.items():
                if matches(pattern, layer):
                    return how
            return "auto"
        return self.reduce

    def hook(self, layer: str) -> Callable[..., None]:
        def record(module: torch.nn.Module, args: Any, output: Any) -> None:
            self.take(layer, output)
        return record

    def begin(self, batch: Batch) -> None:
        self._batch, self._current = batch, {}

    def take(self, layer: str, output: Any) -> None:
        batch = self._batch
        assert batch is not None
        if layer in self._current:
            raise SourceError(
                f"Layer {layer!r} ran more than once in one forward pass (a module reused "
                "by the model, such as one nn.ReLU applied after several layers); its "
                "output is ambiguous. Pick a module that runs once per input."
            )
        x = first_tensor(output, layer)
        if x.ndim == 0 or x.shape[0] != batch.size:
            raise SourceError(
                f"Layer {layer!r} gave an output of shape {tuple(x.shape)} for a batch of "
                f"{batch.size} stimuli; its first axis must be the stimuli. Pick a module "
                "whose output is per stimulus."
            )
        if layer not in self.reductions:
            self.reductions[layer] = resolve(self._requested(layer), x.ndim,
                                             batch.mask is not None)
        reduced = reduce_output(x, self.reductions[layer], batch.mask, layer)
        if layer not in self.budgets:
            self.budgets[layer] = UnitBudget(layer, reduced.shape[1], self.max_units,
                                             self.unit_sampling, self.seed)
        self._current[layer] = self.budgets[layer](reduced).cpu().numpy()

    def take_hidden_states(self, out: Any, patterns: list[str] | None) -> None:
        states = getattr(out, "hidden_states", None)
        if states is None and isinstance(out, Mapping):
            states = out.get("hidden_states")
        if not isinstance(states, (tuple, list)) or not all(
                isinstance(s, torch.Tensor) for s in states) or not states:
            raise SourceError(
                f"hidden_states=True, but the model returned {type(out).__name__} without "
                "a tuple of tensors in .hidden_states. The model must take "
                "output_hidden_states=True and return them (Hugging Face models do); "
                "otherwise record modules with hooks (hidden_states=False)."
            )
        names = [f"hidden_states.{k}" for k in range(len(states))]
        if not self.layers:
            self.set_layers(select(names, patterns, model=self.model, kind="hidden state")
                            if patterns is not None else names)
        elif len(names) != self._n_states:
            raise SourceError(f"The model returned {len(names)} hidden states for this "
                              f"batch but {self._n_states} for the first.")
        self._n_states = len(names)
        for layer in self.layers:
            self.take(layer, states[int(layer.rsplit(".", 1)[1])])

    def finish(self, start: int, stop: int) -> None:
        missing = [layer for layer in self.layers if layer not in self._current]
        if missing:
            containers = [layer for layer in missing if layer in self._containers]
            hint = (f" {containers} hold modules but are never called themselves "
                    f"(nn.ModuleList/ModuleDict): record their items, e.g. "
                    f"'{containers[0]}.*'." if containers else "")
            raise SourceError(
                f"Layer(s) {missing} did not run in the forward pass (defined but unused, "
                "or skipped by the model's control flow); pick modules the forward pass "
                f"calls.{hint}"
            )
        if self.values is None:
            widths = [self._current[layer].shape[1] for layer in self.layers]
            self.offsets = dict(zip(self.layers, np.cumsum([0, *widths[:-1]]).tolist(),
                                    strict=True))
            self.values = np.empty((self.n, int(sum(widths))), dtype=np.float32)
        for layer in self.layers:
            block = self._current[layer]
            at = self.offsets[layer]
            self.values[start:stop, at:at + block.shape[1]] = block
        self._current = {}

    def representation(self, ids: np.ndarray) -> xr.DataArray:
        assert self.values is not None
        unit_ids: list[str] = []
        labels: list[str] = []
        for layer in self.layers:
            units = self.budgets[layer].unit_ids()
            unit_ids.extend(units)
            labels.extend([layer] * len(units))
        return xr.DataArray(
            self.values, dims=("stimulus", "unit"),
            coords={"stimulus": ids, "unit": np.asarray(unit_ids),
                    "layer": ("unit", np.asarray(labels))},
        )
