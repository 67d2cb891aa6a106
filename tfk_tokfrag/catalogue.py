"""Regenerates the zoo catalogue `models/`: one config and one model card per entry.

    python -m tfk_tokfrag.catalogue [--only NAME ...] [--out models]

Every entry whose dataset ships offline is trained with its recipe (`train_model`,
the same code as `tfk-tokfrag train`), scored on the held-out test split, exported to
`saved_models/NAME`, and its card written from those measurements. Entries whose data
must be downloaded (mnist, imdb_reviews, ...) get a card that says so and what to
expect, and are not trained here. No figure on a card is typed by hand.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402  (after quieting TensorFlow's C++ start-up logs)

from tfk_tokfrag.export import InputSignature  # noqa: E402
from tfk_tokfrag.models import get_entry, list_models  # noqa: E402
from tfk_tokfrag.training.train_model import train_model  # noqa: E402

OFFLINE_DATASETS = ("digits", "moving_digits", "digit_scenes")

EXPECTATIONS = {
    "conv_net_classic": "About 99% on MNIST after a few epochs, as in Keras' MNIST "
    "ConvNet example; needs the `mnist` TFDS download.",
    "text_bilstm_imdb": "About 85-86% test accuracy after 2 epochs, as in Keras' own "
    "bidirectional-LSTM IMDB example; needs the `imdb_reviews` TFDS download. The code "
    "path is tested offline with `tfds.testing.mock_data`.",
}

COMPARISONS = {
    "lstm_video_moving_digits": ["frame_average_moving_digits"],
    "frame_average_moving_digits": ["lstm_video_moving_digits"],
    "fused_digit_scenes": [
        "image_only_digit_scenes", "text_only_digit_scenes", "video_only_digit_scenes"
    ],
}


def _machine() -> str:
    return (
        f"{platform.machine()} CPU, {os.cpu_count()} cores, no GPU, "
        f"Python {platform.python_version()}, TensorFlow {tf.__version__}"
    )


def _jsonable(value):
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def measure(name: str, seed: int = 42) -> dict:
    """Trains entry `name` with its recipe and returns the measured figures."""
    result = train_model(
        name,
        logdir=os.path.join("runs", "catalogue", name),
        export=os.path.join("saved_models", name),
        seed=seed,
        verbose=2,
    )
    return {
        "test_accuracy": round(result.test_accuracy, 4),
        "train_seconds": round(result.train_seconds, 1),
        "epochs": result.epochs,
        "seed": seed,
        "params": int(result.model.count_params()),
        "input_signature": InputSignature.from_model(result.model).to_json(),
        "machine": _machine(),
        "date": datetime.date.today().isoformat(),
        "command": f"python -m tfk_tokfrag.catalogue --only {name}",
    }


def _card(entry, config: dict, measured: dict | None, others: dict) -> str:
    lines = [f"# {entry.name}", "", entry.description, ""]
    lines += [
        "| | |",
        "|---|---|",
        f"| task | {entry.task} |",
        f"| dataset | `{entry.dataset}` |",
        f"| builder | `tfk_tokfrag.models.{entry.builder.__name__}` |",
    ]
    if measured:
        signature = InputSignature.from_json(measured["input_signature"])
        signature = ", ".join(
            f"`{spec.name if signature.is_dict else 'input'}`: {spec.dtype} {spec.shape}"
            for spec in signature.specs
        )
        lines += [
            f"| input signature | {signature} |",
            f"| parameters | {measured['params']:,} |",
            f"| test accuracy | **{measured['test_accuracy']:.4f}** |",
            f"| training time | {measured['train_seconds']:.0f} s for {measured['epochs']} "
            f"epochs |",
            f"| hardware | {measured['machine']} |",
            f"| measured | {measured['date']}, seed {measured['seed']} |",
        ]
    else:
        lines += ["| test accuracy | not measured here: " + EXPECTATIONS.get(
            entry.name, "the dataset must be downloaded.") + " |"]
    lines += ["", "## Training recipe", "", "```json",
              json.dumps(config["training"], indent=2), "```", ""]
    if others:
        lines += ["## Compared with", "", "| model | test accuracy |", "|---|---|"]
        if measured:
            lines.append(f"| {entry.name} (this) | {measured['test_accuracy']:.4f} |")
        for other, figures in others.items():
            accuracy = f"{figures['test_accuracy']:.4f}" if figures else "not measured"
            lines.append(f"| {other} | {accuracy} |")
        lines.append("")
        measured_others = [f["test_accuracy"] for f in others.values() if f]
        if measured and measured_others and len(measured_others) == len(others):
            margin = 100 * (measured["test_accuracy"] - max(measured_others))
            lines += [f"Margin over the best of the others: {margin:+.1f} points.", ""]
        if entry.dataset == "moving_digits":
            lines += [
                "Chance is 1/8 = 0.125. Each clip holds three alike digits drawing three "
                "alike streaks: the target moves straight (its direction is the label), "
                "two distractors bounce along their own streaks. Averaging the frames "
                "loses which streak was straight and its sense, so a mean-frame model "
                "can at best pick one of three streaks and one of two senses (1/6); "
                "only the order of the frames tells.",
                "",
            ]
    lines += [
        "## Reproduce",
        "",
        "```bash",
        f"python -m tfk_tokfrag.catalogue --only {entry.name}",
        f"# or: tfk-tokfrag train {entry.name} --dataset {entry.dataset} "
        f"--export saved_models/{entry.name}",
        "```",
        "",
        "The figures above were written by that command, not by hand.",
        "",
    ]
    return "\n".join(lines)


def write_entry(name: str, out: str, measured: dict | None) -> None:
    entry = get_entry(name)
    folder = os.path.join(out, name)
    os.makedirs(folder, exist_ok=True)
    config = {
        "name": name,
        "builder": entry.builder.__name__,
        "config": _jsonable(entry.config),
        "dataset": entry.dataset,
        "task": entry.task,
        "training": entry.training,
        "measured": measured,
    }
    with open(os.path.join(folder, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2, ensure_ascii=False)
        f.write("\n")
    others = {}
    for other in COMPARISONS.get(name, []):
        path = os.path.join(out, other, "config.json")
        figures = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                figures = json.load(f).get("measured")
        others[other] = figures
    with open(os.path.join(folder, "MODEL_CARD.md"), "w", encoding="utf-8") as f:
        f.write(_card(entry, config, measured, others))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tfk_tokfrag.catalogue", description=__doc__)
    parser.add_argument("--only", nargs="*", help="entries to (re)measure (default: all)")
    parser.add_argument("--out", default="models")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--cards-only", action="store_true",
                        help="rewrite the cards from the figures already in config.json")
    args = parser.parse_args(argv)
    names = args.only or list_models()
    if args.cards_only:
        names = []
    for name in names:
        entry = get_entry(name)
        measured = None
        if entry.dataset in OFFLINE_DATASETS:
            print(f"== training {name} on {entry.dataset}", flush=True)
            measured = measure(name, args.seed)
            print(f"== {name}: test accuracy {measured['test_accuracy']:.4f} "
                  f"({measured['train_seconds']:.0f} s)", flush=True)
        else:
            path = os.path.join(args.out, name, "config.json")
            if os.path.exists(path):
                with open(path, encoding="utf-8") as f:
                    measured = json.load(f).get("measured")
        write_entry(name, args.out, measured)
    # Cards that compare with others are rewritten once all figures are in.
    for name in list_models():
        path = os.path.join(args.out, name, "config.json")
        if (args.cards_only or name in COMPARISONS) and os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                write_entry(name, args.out, json.load(f).get("measured"))


if __name__ == "__main__":
    main()
