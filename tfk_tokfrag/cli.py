"""The `tfk-tokfrag` command line: list, train, evaluate, export, predict, convert,
tensorboard, data-service.

    tfk-tokfrag list
    tfk-tokfrag train conv_net_digits --dataset digits --epochs 60 \\
        --logdir runs/conv_net_digits --export saved_models/conv_net_digits
    tfk-tokfrag evaluate checkpoints/conv_net_digits/model.keras --dataset digits
    tfk-tokfrag export checkpoints/conv_net_digits/model.keras saved_models/conv_net_digits
    tfk-tokfrag predict saved_models/conv_net_digits digit.png
    tfk-tokfrag evaluate zoo:conv_net_fashion_mnist --dataset fashion_mnist
    tfk-tokfrag predict zoo:conv_net_digits digit.png   (the weights shipped in models/)
    tfk-tokfrag convert my_clips/ records/train --num-shards 8
    tfk-tokfrag tensorboard --logdir runs
    tfk-tokfrag data-service dispatcher --port 5050     (and, elsewhere or beside it:)
    tfk-tokfrag data-service worker --dispatcher 127.0.0.1:5050
    tfk-tokfrag train conv_net_digits --data-service 127.0.0.1:5050

Errors a user can make end with one line on stderr and exit status 2, not a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402  (after quieting TensorFlow's C++ start-up logs)
import numpy as np  # noqa: E402

from tfk_tokfrag.data import convert, dataset_info, list_datasets, load_dataset  # noqa: E402
from tfk_tokfrag.export import (  # noqa: E402
    InputSignature,
    evaluate_saved_model,
    export_saved_model,
    load_metadata,
    load_saved_model,
    prepare_requests,
)
from tfk_tokfrag.models import (  # noqa: E402
    get_entry,
    get_model,
    list_models,
    load_keras_model,
)
from tfk_tokfrag.monitoring import start_tensorboard  # noqa: E402
from tfk_tokfrag.training.data_service import (  # noqa: E402
    start_data_worker,
    start_dispatcher,
)
from tfk_tokfrag.training.distribute import DEFAULT_PEER_TIMEOUT, STRATEGIES  # noqa: E402
from tfk_tokfrag.training.evaluate import evaluate_model  # noqa: E402
from tfk_tokfrag.training.train_model import train_model  # noqa: E402

PROG = "tfk-tokfrag"
ZOO_PREFIX = "zoo:"  # zoo:NAME: the trained weights that ship in models/NAME
TRUST_NOTE = (
    "A TensorFlow SavedModel is a program: loading and calling it runs its graph. Use "
    "only SavedModels from trusted sources (TensorFlow's security guidance). A .keras "
    "file is loaded with Keras safe mode: one that carries Python code is refused."
)


class CliError(Exception):
    """An error the user can fix; printed as one line."""


class _Parser(argparse.ArgumentParser):
    """argparse, whose usage errors end as every other user error: one line, status 2."""

    def error(self, message):
        self.exit(2, f"{PROG}: error: {message} (see `{self.prog} --help`)\n")


def _number(kind, check, expected: str):
    """An argparse `type`: `kind(text)` if finite and `check` holds, else a usage error."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not math.isfinite(value) or not check(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, received {text!r}")
        return value

    return parse


_POSITIVE_INT = _number(int, lambda v: v > 0, "a positive int")
_POSITIVE_FLOAT = _number(float, lambda v: v > 0, "a positive number")
_NON_NEGATIVE_FLOAT = _number(float, lambda v: v >= 0, "a number >= 0")
_FRACTION = _number(float, lambda v: 0 < v < 1, "a fraction in (0, 1), e.g. 0.2")
_PORT = _number(int, lambda v: 0 <= v <= 65535, "a port in [0, 65535]")
_JPEG_QUALITY = _number(int, lambda v: 1 <= v <= 100, "a JPEG quality in [1, 100]")


def _parse_override(text: str) -> tuple[str, object]:
    if "=" not in text:
        raise CliError(f"--set takes KEY=VALUE (a JSON value). Received: {text!r}")
    key, value = text.split("=", 1)
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        parsed = value  # a bare string
    if isinstance(parsed, list):
        parsed = tuple(parsed)
    return key.strip(), parsed


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("list", help="the zoo entries and the datasets")

    train = sub.add_parser("train", help="train a zoo model with model.fit")
    train.add_argument("model", help="a zoo entry (see `tfk-tokfrag list`)")
    train.add_argument("--dataset", help="dataset name (default: the entry's)")
    train.add_argument("--epochs", type=_POSITIVE_INT)
    train.add_argument("--batch-size", type=_POSITIVE_INT)
    train.add_argument("--learning-rate", type=_POSITIVE_FLOAT)
    train.add_argument("--weight-decay", type=_NON_NEGATIVE_FLOAT)
    train.add_argument("--validation-freq", type=_POSITIVE_INT, metavar="N",
                       help="evaluate the test split every N epochs (default: the recipe's)")
    train.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                       help="override a builder argument, e.g. --set dropout=0.2")
    train.add_argument("--logdir", help="TensorBoard log folder (default runs/MODEL)")
    train.add_argument("--export", help="SavedModel destination, e.g. saved_models/MODEL")
    train.add_argument("--checkpoint-dir",
                       help="backups for resuming and model.keras (default checkpoints/MODEL)")
    train.add_argument("--checkpoint-every-steps", type=_POSITIVE_INT,
                       help="also back up every N steps (default: every epoch)")
    train.add_argument("--seed", type=int, default=42)
    train.add_argument("--mixed-precision", choices=("mixed_float16", "mixed_bfloat16"))
    train.add_argument("--jit-compile", action="store_true", help="compile with XLA")
    train.add_argument("--max-steps-per-epoch", type=_POSITIVE_INT, help="cap steps (quick runs)")
    train.add_argument("--data-dir", help="TFDS data folder")
    train.add_argument("--holdout", type=_FRACTION, metavar="FRACTION",
                       help="a folder of class folders without split folders: the fraction of each "
                            "class's files held out as the test split, e.g. 0.2")
    train.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2))
    train.add_argument("--deterministic", action="store_true",
                       help="op determinism: same seed, same weights (slower)")
    train.add_argument("--strategy", choices=STRATEGIES,
                       help="tf.distribute: 'mirrored' trains on every device of this "
                            "machine, 'multi_worker' on the cluster the TF_CONFIG "
                            "environment variable describes (--batch-size is the global "
                            "batch; docs/DISTRIBUTED.md)")
    train.add_argument("--data-service", metavar="HOST:PORT",
                       help="run the training pipeline on a tf.data service (its "
                            "dispatcher's address; see the data-service command)")
    train.add_argument("--peer-timeout", type=_POSITIVE_FLOAT, default=DEFAULT_PEER_TIMEOUT,
                       help="multi_worker: seconds to wait for every worker to be up")

    evaluate = sub.add_parser("evaluate", help="test accuracy of a .keras file or SavedModel",
                              description=TRUST_NOTE)
    evaluate.add_argument("model", help="a .keras file, a SavedModel folder (from a trusted "
                          "source only: a SavedModel is a program) or zoo:NAME")
    evaluate.add_argument("--dataset", required=True)
    evaluate.add_argument("--split", default="test")
    evaluate.add_argument("--batch-size", type=_POSITIVE_INT, default=128)
    evaluate.add_argument("--seed", type=int, default=42)
    evaluate.add_argument("--data-dir")
    evaluate.add_argument("--holdout", type=_FRACTION, metavar="FRACTION",
                          help="the fraction --holdout held out in training (the test "
                               "split of a folder without split folders)")

    export = sub.add_parser("export", help="export a .keras file as a SavedModel")
    export.add_argument("model", help="a .keras file (e.g. CHECKPOINT_DIR/model.keras) or "
                        "zoo:NAME (an entry's shipped weights)")
    export.add_argument("output", help="destination folder, e.g. saved_models/NAME")
    export.add_argument("--dataset", help="measure and record the test accuracy on it")
    export.add_argument("--class-names", help="comma-separated label names")
    export.add_argument("--seed", type=int, default=42)
    export.add_argument("--holdout", type=_FRACTION, metavar="FRACTION",
                        help="with --dataset: the fraction --holdout held out in training")

    predict = sub.add_parser("predict", help="classify inputs with a SavedModel",
                             description=TRUST_NOTE)
    predict.add_argument("saved_model", help="a SavedModel folder (from a trusted source "
                         "only: a SavedModel is a program), a .keras file or zoo:NAME")
    predict.add_argument(
        "inputs", nargs="+",
        help="image files; text (a .txt file: one input per line, or the text itself); "
        "a video as a video file (.mp4 .avi ...; decoded with PyAV: the SavedModel itself "
        "takes uint8 frames), a folder of frame images or a .npy uint8 (T, H, W, C) array; for "
        "multimodal models NAME=VALUE per input, e.g. image=a.png text='a three'",
    )
    predict.add_argument("--top", type=_POSITIVE_INT, default=3,
                         help="how many classes to show, most likely first")

    conv = sub.add_parser(
        "convert", help="write a dataset as sharded TFRecords (for big data and many workers)"
    )
    conv.add_argument("source", help="a dataset name, a folder, or TFRecords")
    conv.add_argument("dest", help="prefix of the files written, e.g. records/train")
    conv.add_argument("--num-shards", type=_POSITIVE_INT, required=True)
    conv.add_argument("--split", default="train")
    conv.add_argument("--image-format", choices=("png", "jpeg"), default="png")
    conv.add_argument("--jpeg-quality", type=_JPEG_QUALITY, default=95)
    conv.add_argument("--image-size", type=_POSITIVE_INT, nargs=2, metavar=("HEIGHT", "WIDTH"))
    conv.add_argument("--num-frames", type=_POSITIVE_INT)
    conv.add_argument("--data-dir", help="TFDS data folder")
    conv.add_argument("--overwrite", action="store_true", help="replace existing shards")

    service = sub.add_parser("data-service", help="run a tf.data service dispatcher or "
                             "worker (for train --data-service)")
    service.add_argument("role", choices=("dispatcher", "worker"))
    service.add_argument("--port", type=_PORT, default=0, help="0 picks a free port")
    service.add_argument("--dispatcher", metavar="HOST:PORT", help="worker: its dispatcher")
    service.add_argument("--work-dir", help="dispatcher: keep its state here (restartable)")
    service.add_argument("--worker-host", default="127.0.0.1",
                         help="worker: the name trainers reach it by")
    service.add_argument("--dispatcher-timeout", type=_POSITIVE_FLOAT, default=60.0,
                         help="worker: seconds to wait for the dispatcher")

    tensorboard = sub.add_parser("tensorboard", help="start TensorBoard on 127.0.0.1")
    tensorboard.add_argument("--logdir", default="runs")
    tensorboard.add_argument("--port", type=_PORT, default=6006, help="0 picks a free port")
    return parser


def _cmd_list(args) -> int:
    print("Models:")
    for name in list_models():
        entry = get_entry(name)
        print(f"  {name:<28} {entry.task}  [dataset: {entry.dataset}]")
    print("Datasets:")
    for name in list_datasets():
        description = dataset_info(name)["description"] or ""
        first_line = description.splitlines()[0] if description else ""
        print(f"  {name:<28} {first_line}".rstrip())
    return 0


def _cmd_train(args) -> int:
    overrides = dict(_parse_override(o) for o in args.set)
    logdir = args.logdir or os.path.join("runs", args.model)
    checkpoint_dir = args.checkpoint_dir or os.path.join("checkpoints", args.model)
    result = train_model(
        args.model,
        dataset=args.dataset,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        weight_decay=args.weight_decay,
        validation_freq=args.validation_freq,
        overrides=overrides,
        logdir=logdir,
        export=args.export,
        checkpoint_dir=checkpoint_dir,
        checkpoint_every_steps=args.checkpoint_every_steps,
        seed=args.seed,
        mixed_precision=args.mixed_precision,
        jit_compile=True if args.jit_compile else "auto",
        max_steps_per_epoch=args.max_steps_per_epoch,
        data_dir=args.data_dir,
        verbose=args.verbose,
        deterministic=args.deterministic,
        strategy=args.strategy,
        peer_timeout=args.peer_timeout,
        data_service=args.data_service,
        holdout=args.holdout,
    )
    if result.initial_epoch:
        print(f"Resumed from the backup of epoch {result.initial_epoch}.")
    print(f"Test accuracy: {result.test_accuracy:.4f} ({result.train_seconds:.1f} s of training)")
    if result.keras_path:  # not on the workers of a cluster other than its chief
        print(f"Saved {result.keras_path}")
    if result.export_path:
        print(f"Exported the SavedModel to {result.export_path}")
    print(f"Watch the run: {PROG} tensorboard --logdir {os.path.dirname(logdir) or logdir}")
    return 0


def _is_saved_model(path: str) -> bool:
    return os.path.isdir(path) and os.path.exists(os.path.join(path, "saved_model.pb"))


def _require_path(path: str, what: str) -> None:
    if not os.path.exists(path):
        raise CliError(f"{what} does not exist: {path}")


def _zoo_name(spec: str) -> str | None:
    return spec[len(ZOO_PREFIX):] if spec.startswith(ZOO_PREFIX) else None


def _is_keras_model(spec: str) -> bool:
    return _zoo_name(spec) is not None or (spec.endswith(".keras") and not _is_saved_model(spec))


def _model_name(spec: str) -> str:
    return _zoo_name(spec) or os.path.splitext(os.path.basename(os.path.normpath(spec)))[0]


def _zoo_class_names(spec: str) -> list[str] | None:
    name = _zoo_name(spec)
    return list(dataset_info(get_entry(name).dataset)["class_names"]) if name else None


def _load_keras_model(path: str) -> keras.Model:
    """A `.keras` file (checked, loaded in safe mode), or `zoo:NAME` (shipped weights)."""
    if (name := _zoo_name(path)) is not None:
        return get_model(name, weights="zoo")
    _require_path(path, "the model")
    if not path.endswith(".keras"):
        raise CliError(f"expected a .keras file: {path}")
    return load_keras_model(path)


def _cmd_evaluate(args) -> int:
    if _zoo_name(args.model) is None:
        _require_path(args.model, "the model")
    if not (_is_saved_model(args.model) or _is_keras_model(args.model)):
        raise CliError(f"expected a .keras file or a SavedModel folder: {args.model}")
    model = _load_keras_model(args.model) if _is_keras_model(args.model) else None
    data = load_dataset(args.dataset, args.split, args.batch_size, seed=args.seed,
                        data_dir=args.data_dir, shuffle=False, holdout=args.holdout)
    if model is None:
        accuracy = evaluate_saved_model(args.model, data)
    else:
        accuracy = evaluate_model(model, data)
    print(f"{args.dataset}/{args.split}: accuracy {accuracy}")
    return 0


def _cmd_export(args) -> int:
    model = _load_keras_model(args.model)
    class_names = args.class_names.split(",") if args.class_names else None
    class_names = class_names or _zoo_class_names(args.model)
    metrics = {}
    if args.dataset:
        class_names = class_names or list(dataset_info(args.dataset)["class_names"])
        data = load_dataset(args.dataset, "test", 128, seed=args.seed, shuffle=False,
                            holdout=args.holdout)
        metrics = {"test_accuracy": evaluate_model(model, data).value, "dataset": args.dataset}
        if args.holdout is not None:
            metrics["holdout"] = args.holdout
    export_saved_model(model, args.output, class_names=class_names, metrics=metrics,
                       model_name=_model_name(args.model))
    print(f"Exported the SavedModel to {args.output}"
          + (f" (test accuracy {metrics['test_accuracy']:.4f})" if metrics else ""))
    return 0


def _cmd_predict(args) -> int:
    if _is_keras_model(args.saved_model):
        # Served as a user would serve it: exported, then the SavedModel answers.
        model, name = _load_keras_model(args.saved_model), _model_name(args.saved_model)
        with tempfile.TemporaryDirectory() as folder:
            path = export_saved_model(model, os.path.join(folder, name), model_name=name,
                                      class_names=_zoo_class_names(args.saved_model))
            return _cmd_predict(argparse.Namespace(**{**vars(args), "saved_model": path}))
    if not _is_saved_model(args.saved_model):
        raise CliError(f"not a SavedModel folder: {args.saved_model}")
    metadata = load_metadata(args.saved_model)
    signature = InputSignature.from_json(metadata["inputs"])
    endpoint, examples = prepare_requests(signature, args.inputs)
    model = load_saved_model(args.saved_model)
    serve = getattr(model, endpoint)
    names = metadata["class_names"]
    for label, batch in examples:
        out = serve(batch)
        probabilities = out["probabilities"].numpy()[0]
        top = np.argsort(-probabilities)[: args.top]
        shown = ", ".join(f"{names[i]} {probabilities[i]:.3f}" for i in top)
        print(f"{label}: {names[int(out['class_id'].numpy()[0])]}  ({shown})")
    return 0


def _cmd_convert(args) -> int:
    description = convert(
        args.source, args.dest, num_shards=args.num_shards, split=args.split,
        image_format=args.image_format, jpeg_quality=args.jpeg_quality,
        overwrite=args.overwrite, image_size=args.image_size, num_frames=args.num_frames,
        data_dir=args.data_dir,
    )
    print(f"Wrote {description['num_examples']} examples in {args.num_shards} shards: "
          f"{args.dest}-*-of-{args.num_shards:05d}.tfrecord (+ {args.dest}.json)")
    return 0


def _cmd_tensorboard(args) -> int:
    _require_path(args.logdir, "the log folder")
    try:
        url, server = start_tensorboard(args.logdir, host="127.0.0.1", port=args.port)
    except RuntimeError as error:  # e.g. the port is in use
        raise CliError(str(error)) from None
    print(f"TensorBoard at {url} (Ctrl+C to stop)", flush=True)
    try:
        return server.wait() or 0
    finally:
        server.stop()


def _cmd_data_service(args) -> int:
    if args.role == "dispatcher":
        server = start_dispatcher(args.port, work_dir=args.work_dir)
        print(f"tf.data service dispatcher at {server.target} (Ctrl+C to stop)", flush=True)
    else:
        if not args.dispatcher:
            raise CliError("data-service worker needs --dispatcher HOST:PORT")
        server = start_data_worker(args.dispatcher, args.port, worker_host=args.worker_host,
                                   dispatcher_timeout=args.dispatcher_timeout)
        print(f"tf.data service worker of {args.dispatcher} (Ctrl+C to stop)", flush=True)
    server.join()
    return 0


_COMMANDS = {
    "list": _cmd_list,
    "train": _cmd_train,
    "evaluate": _cmd_evaluate,
    "export": _cmd_export,
    "predict": _cmd_predict,
    "convert": _cmd_convert,
    "tensorboard": _cmd_tensorboard,
    "data-service": _cmd_data_service,
}


def main(argv: list[str] | None = None) -> int:
    try:
        args = _build_parser().parse_args(argv)
    except SystemExit as exit_:  # --help (0), or a usage error already printed (2)
        return exit_.code if isinstance(exit_.code, int) else 2
    try:
        return _COMMANDS[args.command](args)
    except (CliError, ValueError, FileNotFoundError, FileExistsError, NotADirectoryError,
            IsADirectoryError, PermissionError, TimeoutError) as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
