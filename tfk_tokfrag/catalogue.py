"""Regenerates the zoo catalogue `models/`: one config and one model card per entry.

    python -m tfk_tokfrag.catalogue [--only NAME ...] [--out models]

Every entry whose data is on this machine is trained with its recipe (`train_model`,
the same code as `tfk-tokfrag train`), scored on the held-out test split, exported to
`saved_models/NAME`, and its card written from those measurements. In the same run:
its anchors (`ZooEntry.anchors`: what a user would otherwise pick, from
`tfk_tokfrag.baselines`) are fitted and scored on the same split, each compared with the
entry example by example (where they disagree, who is right: `paired_comparison`,
McNemar's exact test), and its weights are saved to `models/NAME/` (`zoo_weights`),
loaded back into a fresh model, and checked to reproduce the test accuracy exactly.
Entries whose data must be downloaded (mnist, imdb_reviews, ...) get a card that says
so and what to expect, and are not trained here. No figure on a card is typed by hand.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402  (after quieting TensorFlow's C++ start-up logs)

from tfk_tokfrag.baselines import (  # noqa: E402
    dataset_arrays,
    paired_comparison,
    run_baseline,
)
from tfk_tokfrag.data import (  # noqa: E402
    dataset_info,
    get_dataset_entry,
    list_datasets,
    load_dataset,
    write_clips,
)
from tfk_tokfrag.export import InputSignature  # noqa: E402
from tfk_tokfrag.models import get_entry, get_model, list_models, zoo_weights  # noqa: E402
from tfk_tokfrag.training import (  # noqa: E402
    correct_per_example,
    evaluate_model,
    select_model_inputs,
)
from tfk_tokfrag.training.train_model import train_model  # noqa: E402

# The datasets this machine has without a download: what the package builds or ships
# ("offline"), the UCR .ts files in the sktime wheel ("files"), and Fashion-MNIST from
# Debian's dataset-fashion-mnist. Entries on any other dataset get an expectation card.
OFFLINE_DATASETS = tuple(
    name for name in list_datasets()
    if get_dataset_entry(name).source in ("offline", "files")
) + ("fashion_mnist",)

EXPECTATIONS = {
    "conv_net_classic": "About 99% on MNIST after a few epochs, as in Keras' MNIST "
    "ConvNet example; needs the `mnist` TFDS download.",
    "text_bilstm_imdb": "About 85-86% test accuracy after 2 epochs, as in Keras' own "
    "bidirectional-LSTM IMDB example; needs the `imdb_reviews` TFDS download. The code "
    "path is tested offline with `tfds.testing.mock_data`.",
}

# Entries also trained, with the same recipe and seed, on their dataset written as video
# files: the video-file path end to end (PyAV decoding in tf.data) against the arrays.
VIDEO_FILE_CHECKS = ("lstm_video_moving_digits",)

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


def _reference_inputs(name: str, dataset: str, model):
    """The first 4 test examples, as the model takes them (recorded with the weights)."""
    peek = load_dataset(dataset, "test", 4, shuffle=False, cache=False)
    return next(iter(select_model_inputs(peek, model)))[0]


def ship_weights(name: str, model, dataset: str, accuracy: float, out: str) -> dict:
    """Saves `model`'s weights to `out/NAME/`, reloads them into a fresh model and
    checks that it scores exactly `accuracy` on the test split."""
    path = zoo_weights.save_zoo_weights(model, name, _reference_inputs(name, dataset, model),
                                        directory=out)
    reloaded = get_model(name)
    zoo_weights.load_zoo_weights(reloaded, name, directory=out)
    test = select_model_inputs(load_dataset(dataset, "test", 128, shuffle=False), reloaded)
    again = evaluate_model(reloaded, test).value
    if again != accuracy:
        raise RuntimeError(f"{name}: the shipped weights score {again!r} on the test split, "
                           f"the trained model {accuracy!r}.")
    return {"file": os.path.relpath(path, out),
            "megabytes": round(os.path.getsize(path) / 2**20, 2),
            "reproduces_test_accuracy": True}


def measure_on_video_files(name: str, seed: int, accuracy: float) -> dict:
    """Trains `name` on its dataset written as H.264 `.mp4` files (one per clip, each
    its true length), read back by the video-file loader; the same recipe and seed."""
    dataset = get_entry(name).dataset
    with tempfile.TemporaryDirectory() as root:
        for split in ("train", "test"):
            inputs, labels = dataset_arrays(dataset, split, return_lengths=True)
            clips = [video[:length] for video, length in zip(inputs["video"],
                                                             inputs["length"], strict=True)]
            write_clips(os.path.join(root, split), clips, labels, format="mp4")
        result = train_model(name, dataset=root, seed=seed, verbose=2)
    return {
        "inputs": f"`{dataset}` written as H.264 .mp4 files (crf 12, yuv420p, one per "
                  "clip), decoded with PyAV by `load_dataset(folder)`",
        "test_accuracy": round(result.test_accuracy, 4),
        "train_seconds": round(result.train_seconds, 1),
        "points_from_arrays": round(100 * (result.test_accuracy - accuracy), 1),
    }


def measure(name: str, seed: int = 42, out: str = "models") -> dict:
    """Trains entry `name` with its recipe, runs its anchors, ships its weights; returns
    the measured figures."""
    entry = get_entry(name)
    result = train_model(
        name,
        logdir=os.path.join("runs", "catalogue", name),
        export=os.path.join("saved_models", name),
        seed=seed,
        verbose=2,
    )
    # Per test example, in the order the anchors see them (`dataset_arrays`: the same
    # loader, unshuffled), for the paired comparison with each anchor.
    correct = correct_per_example(
        result.model,
        select_model_inputs(load_dataset(entry.dataset, "test", 128, shuffle=False),
                            result.model),
    )
    test_accuracy = int(correct.sum()) / len(correct)  # exactly what evaluate_model gives
    anchors = {}
    for anchor in entry.anchors:
        print(f"== anchor {anchor} on {entry.dataset}", flush=True)
        baseline = run_baseline(anchor, entry.dataset, seed=seed, epochs=result.epochs)
        anchors[anchor] = baseline.to_json()
        if baseline.correct is not None:
            anchors[anchor]["paired"] = paired_comparison(correct, baseline.correct).to_json()
    return {
        "test_accuracy": round(test_accuracy, 4),
        "train_seconds": round(result.train_seconds, 1),
        "epochs": result.epochs,
        "seed": seed,
        "params": int(result.model.count_params()),
        "input_signature": InputSignature.from_model(result.model).to_json(),
        "splits": dict(dataset_info(entry.dataset)["splits"]),
        "anchors": anchors,
        "weights": ship_weights(name, result.model, entry.dataset, test_accuracy, out),
        "video_files": (measure_on_video_files(name, seed, test_accuracy)
                        if name in VIDEO_FILE_CHECKS else None),
        "machine": _machine(),
        "date": datetime.date.today().isoformat(),
        "command": f"python -m tfk_tokfrag.catalogue --only {name}",
    }


def _splits(measured: dict) -> str:
    splits = measured.get("splits") or {}
    return ", ".join(f"{split} {n:,}" for split, n in splits.items()) or "n/a"


def _weights_row(name: str, measured: dict) -> list[str]:
    weights = measured.get("weights")
    if not weights:
        return []
    return [f"| weights | `models/{name}/{os.path.basename(weights['file'])}` "
            f"({weights['megabytes']:.2f} MB): `get_model(\"{name}\", weights=\"zoo\")`; "
            "reloaded, they reproduce the test accuracy exactly |"]


def _p_value(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _anchor_lines(name: str, measured: dict | None) -> list[str]:
    anchors = (measured or {}).get("anchors") or {}
    if not anchors:
        return []
    # Older figures (and published ones) have no per-example comparison: no column then.
    paired = any(figures.get("paired") for figures in anchors.values())
    header = "| model | test accuracy | fit + predict |"
    if paired:
        header += " where the two disagree: this right / it right (McNemar) |"
    lines = ["", "## Anchors (measured in the same run, same split)", "",
             header + " what it is |", "|---" * (5 if paired else 4) + "|",
             f"| **{name}** (this) | **{measured['test_accuracy']:.4f}** | "
             f"{measured['train_seconds']:.0f} s training |" + (" |" if paired else "")
             + " |"]
    for anchor, figures in anchors.items():
        seconds = ("published, not run here" if figures["published"]
                   else f"{figures['train_seconds']:.1f} s")
        row = f"| {anchor} | {figures['test_accuracy']:.4f} | {seconds} |"
        if paired:
            pair = figures.get("paired")
            row += (f" {pair['ours_only']} / {pair['theirs_only']}, "
                    f"{_p_value(pair['p_value'])} |" if pair else " - |")
        lines.append(row + f" {figures['description']} |")
    best_name, best = max(anchors.items(), key=lambda item: item[1]["test_accuracy"])
    lines += ["", f"Margin over the best anchor: "
              f"{100 * (measured['test_accuracy'] - best['test_accuracy']):+.1f} points."]
    pair = best.get("paired")
    if pair and not pair["ours_only"] + pair["theirs_only"]:
        lines[-1] += f" It and {best_name} agree on every test example."
    elif pair:
        verdict = ("more than chance gives" if pair["p_value"] < 0.05
                   else "within what chance gives")
        lines[-1] += (
            f" On the {pair['ours_only'] + pair['theirs_only']:,} test examples where "
            f"they disagree, this entry is right on {pair['ours_only']:,} and {best_name} "
            f"on {pair['theirs_only']:,}: McNemar's exact test {_p_value(pair['p_value'])}, "
            f"a difference {verdict} (p: how often two equally good classifiers would "
            "split their disagreements at least this unevenly)."
        )
    return lines


def _video_file_lines(measured: dict | None) -> list[str]:
    check = (measured or {}).get("video_files")
    if not check:
        return []
    return ["", "## The same recipe on video files", "",
            "| inputs | test accuracy | training | points from the arrays |",
            "|---|---|---|---|",
            f"| arrays (above) | {measured['test_accuracy']:.4f} | "
            f"{measured['train_seconds']:.0f} s | |",
            f"| {check['inputs']} | {check['test_accuracy']:.4f} | "
            f"{check['train_seconds']:.0f} s | {check['points_from_arrays']:+.1f} |"]


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
            f"| split | {_splits(measured)} |",
            f"| parameters | {measured['params']:,} |",
            f"| test accuracy | **{measured['test_accuracy']:.4f}** |",
            f"| training time | {measured['train_seconds']:.0f} s for {measured['epochs']} "
            f"epochs |",
            f"| hardware | {measured['machine']} |",
            *_weights_row(entry.name, measured),
            f"| measured | {measured['date']}, seed {measured['seed']} |",
        ]
    else:
        lines += ["| test accuracy | not measured here: " + EXPECTATIONS.get(
            entry.name, "the dataset must be downloaded.") + " |"]
    lines += _anchor_lines(entry.name, measured)
    lines += _video_file_lines(measured)
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
            measured = measure(name, args.seed, args.out)
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
    write_index(args.out)


def write_index(out: str) -> None:
    """`out/README.md`: one row per entry, its figure and its anchors, from config.json."""
    rows = []
    for name in list_models():
        path = os.path.join(out, name, "config.json")
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
        measured = config.get("measured") or {}
        accuracy = (f"**{measured['test_accuracy']:.4f}**" if "test_accuracy" in measured
                    else "not measured here")
        anchors = "; ".join(
            f"{anchor} {figures['test_accuracy']:.4f}"
            + (" (published)" if figures["published"] else "")
            for anchor, figures in (measured.get("anchors") or {}).items()
        ) or "-"
        seconds = (f"{measured['train_seconds']:.0f} s" if "train_seconds" in measured
                   else "-")
        weights = "yes" if measured.get("weights") else "-"
        rows.append(f"| [{name}]({name}/MODEL_CARD.md) | `{config['dataset']}` | {accuracy} "
                    f"| {anchors} | {seconds} | {weights} |")
    lines = [
        "# The zoo catalogue",
        "",
        "Written by `python -m tfk_tokfrag.catalogue` (do not edit by hand): each entry "
        "trained with its recipe and scored on its dataset's test split; its anchors "
        "(what a user would otherwise pick) fitted and scored in the same run, on the "
        "same split. Shipped weights load offline with "
        "`get_model(NAME, weights=\"zoo\")` or `tfk-tokfrag evaluate zoo:NAME`. Machine "
        "and date: each card.",
        "",
        "| entry | dataset | test accuracy | anchors (same run) | training | weights |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
    ]
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
