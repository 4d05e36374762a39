"""Bad stimuli, layers and options: each is a hotneuro error whose message says what to fix."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the torch plugin needs torch: pip install torch")
pytest.importorskip(
    "hotneuro_torch", reason="install the plugin: pip install -e plugins/hotneuro-torch")

import hotneuro as hn  # noqa: E402
from hn_torch_models import (  # noqa: E402
    SENTENCES,
    Blocks,
    TinyCNN,
    TinyEncoder,
    WordTokenizer,
    hooks_left,
    images,
)

from hotneuro_torch import extract  # noqa: E402

X = images(n=5)


class Skipping(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.used = torch.nn.Linear(4, 2)
        self.unused = torch.nn.Linear(4, 2)

    def forward(self, x):
        return self.used(x)


class Merging(torch.nn.Module):
    """A submodule whose output merges the stimuli into one row."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = torch.nn.Linear(4, 2)
        self.pool = torch.nn.Identity()

    def forward(self, x):
        return self.pool(self.lin(x).sum(0, keepdim=True))


# (model factory, stimuli, layers, options, error class, regexes the message must match)
CASES = {
    "unknown layer lists close names": (
        TinyCNN, X, ["conv3"], {}, hn.SourceError,
        [r"No module of TinyCNN matches 'conv3'", r"close module names: 'conv1', 'conv2'",
         r"Top-level names: 'conv1', 'relu1'"]),
    "a misspelt pattern": (
        Blocks, np.zeros((4, 10)), ["block.*"], {}, hn.SourceError,
        [r"'block\.\*' \(close module names: 'blocks.0', 'blocks.1', 'blocks.2', 'blocks'",
         r"does not cross a '\.'"]),
    "a star that would need to cross a dot picks the container": (
        Blocks, np.zeros((4, 10)), ["blocks*"], {}, hn.SourceError,
        [r"\['blocks'\] did not run", r"never called themselves .* e\.g\. 'blocks\.\*'"]),
    "one good and one unknown layer": (
        TinyCNN, X, ["conv1", "Conv2"], {}, hn.SourceError, [r"matches 'Conv2'"]),
    "empty layers": (TinyCNN, X, [], {}, hn.ParameterError, [r"layers= is empty"]),
    "layers not str": (TinyCNN, X, [1], {}, hn.ParameterError, [r"non-empty module name"]),
    "the model itself is no layer": (
        TinyCNN, X, [""], {}, hn.ParameterError, [r"The model itself"]),
    "layers missing": (TinyCNN, X, None, {}, hn.ParameterError, [r"layers= is required"]),
    "unused module": (
        Skipping, np.zeros((4, 4)), ["unused"], {}, hn.SourceError,
        [r"\['unused'\] did not run in the forward pass"]),
    "output not per stimulus": (
        Merging, np.zeros((4, 4)), ["pool"], {}, hn.SourceError,
        [r"'pool' gave an output of shape \(1, 2\) for a batch of 4"]),
    "empty stimuli array": (
        TinyCNN, np.zeros((0, 9, 9, 3)), "fc", {}, hn.SourceError, [r"No stimuli"]),
    "empty stimuli list": (TinyCNN, [], "fc", {}, hn.SourceError, [r"No stimuli"]),
    "too few stimuli": (TinyCNN, X[:2], "fc", {}, hn.SourceError, [r"Got 2 stimuli.*at least 3"]),
    "a 1-D array": (
        TinyCNN, np.zeros(5), "fc", {}, hn.SourceError, [r"shape \(5,\).*x\[None\]"]),
    "strings in an array": (
        TinyCNN, np.array([["a"]] * 4), "fc", {}, hn.SourceError, [r"dtype <U1"]),
    "one str": (TinyEncoder, "a sentence", "embed", {}, hn.SourceError, [r"single str"]),
    "a set": (TinyCNN, {1, 2, 3}, "fc", {}, hn.SourceError, [r"stimuli is a set"]),
    "list of numbers": (
        TinyCNN, [1, 2, 3], "fc", {}, hn.SourceError, [r"list of int.*preprocess="]),
    "mixed text": (
        TinyEncoder, ["a", 1, "b"], "embed", {"tokenizer": WordTokenizer()},
        hn.SourceError, [r"mix str and other"]),
    "arrays of different shapes": (
        TinyCNN, [np.zeros((9, 9, 3)), np.zeros((8, 8, 3)), np.zeros((9, 9, 3))], "fc", {},
        hn.SourceError, [r"different shapes"]),
    "mapping with different lengths": (
        TinyEncoder, {"input_ids": np.ones((4, 3), int), "attention_mask": np.ones((3, 3))},
        "embed", {}, hn.SourceError, [r"different numbers of rows"]),
    "text without tokenizer": (
        TinyEncoder, SENTENCES, "embed", {}, hn.ParameterError,
        [r"no tokenizer= is given", r"AutoTokenizer"]),
    "tokenizer with images": (
        TinyCNN, X, "fc", {"tokenizer": WordTokenizer()}, hn.ParameterError,
        [r"tokenizer= applies to text"]),
    "max_length with images": (
        TinyCNN, X, "fc", {"max_length": 4}, hn.ParameterError,
        [r"max_length= applies to text"]),
    "max_length zero": (
        TinyEncoder, SENTENCES, "embed", {"tokenizer": WordTokenizer(), "max_length": 0},
        hn.ParameterError, [r"max_length= must be a positive int"]),
    "tokenizer and preprocess": (
        TinyEncoder, SENTENCES, "embed", {"tokenizer": WordTokenizer(), "preprocess": len},
        hn.ParameterError, [r"not both"]),
    "a tokenizer that is not HF-like": (
        TinyEncoder, SENTENCES, "embed", {"tokenizer": lambda texts: texts},
        hn.SourceError, [r"tokenizer raised TypeError", r"return_tensors='pt'"]),
    "a tokenizer without input_ids": (
        TinyEncoder, SENTENCES, "embed", {"tokenizer": lambda t, **k: {"ids": [1]}},
        hn.SourceError, [r"without 'input_ids'"]),
    "preprocess that fails": (
        TinyCNN, X, "fc", {"preprocess": lambda b: b.nonexistent}, hn.SourceError,
        [r"preprocess raised AttributeError on a batch of shape \(5, 9, 9, 3\) \(uint8\)"]),
    "preprocess returning a list": (
        TinyCNN, X, "fc", {"preprocess": lambda b: [1, 2]}, hn.SourceError,
        [r"preprocess returned a list"]),
    "wrong image shape for the model": (
        TinyCNN, np.zeros((4, 9, 9, 5), np.float32), "fc", {}, hn.SourceError,
        [r"The model raised RuntimeError on a batch of 4 stimuli \(input \(4, 9, 9, 5\)\)",
         r"preprocess="]),
    "max_units zero": (TinyCNN, X, "fc", {"max_units": 0}, hn.ParameterError,
                       [r"max_units= must be a positive int.*got 0"]),
    "max_units float": (TinyCNN, X, "fc", {"max_units": 2.5}, hn.ParameterError,
                        [r"max_units="]),
    "unknown reduce": (TinyCNN, X, "fc", {"reduce": "max"}, hn.ParameterError,
                       [r"reduce= must be one of \['auto', 'mean', 'flatten', 'tokens'\]"]),
    "reduce mapping with an unknown layer": (
        TinyCNN, X, "fc", {"reduce": {"conv9": "mean"}}, hn.ParameterError,
        [r"reduce= names \['conv9'\]"]),
    "tokens on a 4-D output": (
        TinyCNN, X, "conv1", {"reduce": "tokens"}, hn.SourceError,
        [r"reduce='tokens' averages .* shape \(5, 4, 9, 9\)"]),
    "unknown unit_sampling": (
        TinyCNN, X, "fc", {"unit_sampling": "pca"}, hn.ParameterError,
        [r"unit_sampling= must be one of \['subsample', 'projection'\]"]),
    "negative seed": (TinyCNN, X, "fc", {"seed": -1}, hn.ParameterError, [r"seed="]),
    "batch_size zero": (TinyCNN, X, "fc", {"batch_size": 0}, hn.ParameterError,
                        [r"batch_size= must be a positive int"]),
    "stimulus_ids too short": (
        TinyCNN, X, "fc", {"stimulus_ids": ["a", "b"]}, hn.ParameterError,
        [r"Got 2 stimulus_ids for 5 stimuli"]),
    "duplicate stimulus_ids": (
        TinyCNN, X, "fc", {"stimulus_ids": ["a", "b", "a", "c", "c"]}, hn.ParameterError,
        [r"repeats 'a', 'c'"]),
    "mixed stimulus_ids": (
        TinyCNN, X, "fc", {"stimulus_ids": ["a", 1, "b", 2, "c"]}, hn.ParameterError,
        [r"all str or all int, got int, str"]),
    "stimulus_ids a str": (
        TinyCNN, X, "fc", {"stimulus_ids": "abcde"}, hn.ParameterError,
        [r"sequence of str or int"]),
    "bad device": (TinyCNN, X, "fc", {"device": "gpu9"}, hn.ParameterError,
                   [r"not a torch device"]),
    "hidden states from a model without them": (
        TinyCNN, X, None, {"hidden_states": True}, hn.SourceError,
        [r"The model raised TypeError", r"output_hidden_states=True"]),
    "unknown hidden state": (
        TinyEncoder, SENTENCES, ["hidden_states.7"],
        {"hidden_states": True, "tokenizer": WordTokenizer()}, hn.SourceError,
        [r"No hidden state of TinyEncoder matches 'hidden_states.7'",
         r"'hidden_states.0'"]),
    "flatten on text with different lengths": (
        TinyEncoder, SENTENCES, "embed",
        {"tokenizer": WordTokenizer(), "reduce": "flatten", "batch_size": 2},
        hn.SourceError, [r"gave \d+ units in this batch but \d+ in the first",
                         r"reduce='tokens'"]),
    "not a module": (lambda: "model.pt", X, "fc", {}, hn.SourceError,
                     [r"takes a torch.nn.Module, got builtins.str"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_raises_a_hotneuro_error_that_says_what_to_fix(case):
    factory, stimuli, layers, options, error, patterns = CASES[case]
    model = factory()
    with pytest.raises(error) as info:
        extract(model, stimuli, layers, progress=False, **options)
    message = str(info.value)
    for pattern in patterns:
        assert __import__("re").search(pattern, message), (pattern, message)
    assert isinstance(info.value, hn.HotneuroError) and isinstance(info.value, ValueError)
    if isinstance(model, torch.nn.Module):
        assert hooks_left(model) == 0


def test_cuda_without_cuda_is_a_parameter_error():
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    with pytest.raises(hn.ParameterError, match=r"CUDA is not available"):
        extract(TinyCNN(), X, "fc", device="cuda", progress=False)


def test_nan_activations_name_the_unit():
    net = TinyCNN()
    with torch.no_grad():
        net.fc.bias[2] = float("nan")
    with pytest.raises(hn.NonFiniteError, match=r"unit .*fc/2"):
        extract(net, X, ["conv1", "fc"], progress=False)
