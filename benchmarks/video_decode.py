"""Video file decoding: our PyAV decoder against `cv2.VideoCapture`, in one process.

Writes `--clips` H.264 `.mp4` clips (libx264 defaults, `--seconds` at 30 fps, 320x240,
moving gradients with noise, ~1 Mbit/s) into a temp folder, then decodes all of them to
uint8 RGB `(T, H, W, 3)` arrays, every frame, in five ways timed interleaved (medians over
`--repeats` rounds, after one warm-up round):

* `cv2.VideoCapture` reading each file in a loop, `cv2.cvtColor` BGR -> RGB, `np.stack`:
  the keras-io video examples' way (the anchor);
* `decode_video_file` in a loop (ours, one decode stream);
* PyAV in a plain loop (`frame.to_ndarray(format="rgb24")` for each decoded frame);
* `video_file_examples` (ours, tf.data: AUTOTUNE parallel files, order kept) on the
  machine's cores;
* information rows: each of ours with the other FFmpeg threading (one stream without
  FFmpeg's threads, `THREAD_TYPE="NONE"`; tf.data with frame threads in every file,
  `DATASET_THREAD_TYPE="AUTO"`), and `num_frames=16` (frames/s counts every source
  frame: what sampling at decode time saves).

Before that, one 10-minute clip (the first clip's packets remuxed 60 times over, no
re-encoding) is read with `num_frames=16` in a fresh process: its time and the growth of
that process's resident memory at its peak (sampled every 2 ms), which stays near 16
frames plus the decoder's buffers (all 18,000 decoded frames would be ~4 GB).

Ours is checked pixel-equal to OpenCV's decode before timing. Throughput is decoded
source frames per second; ratios are against the cv2 loop of the same rounds. A tf.data
pass is timed to its end of sequence: deleting a finished tf.data iterator can take up to
~2.5 s in TensorFlow 2.21 (its background threads wind down, whatever the map does; once
per epoch in training), so the iterators are deleted after the timing.

Run from the repository root: `python benchmarks/video_decode.py` (a few minutes).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import _timing  # noqa: E402  (benchmarks/ is on sys.path when run as a script)
import av  # noqa: E402
import cv2  # noqa: E402
import numpy as np  # noqa: E402

from tfk_tokfrag.data import video_files  # noqa: E402
from tfk_tokfrag.data.video_files import decode_video_file, video_file_examples  # noqa: E402

HEIGHT, WIDTH, FPS = 240, 320, 30


def write_clips(folder: str, clips: int, seconds: int) -> list[str]:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    paths = []
    for k in range(clips):
        path = os.path.join(folder, f"clip_{k:02d}.mp4")
        with av.open(path, "w") as out:
            stream = out.add_stream("libx264", rate=FPS)
            stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
            for t in range(seconds * FPS):
                rgb = np.stack(
                    [(xx + 2 * t + 7 * k) % 256, (yy + t) % 256, ((xx + yy) // 2 + 3 * t) % 256],
                    -1,
                ).astype(np.uint8)
                rgb += rng.integers(0, 12, rgb.shape, dtype=np.uint8)
                out.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
            out.mux(stream.encode())
        paths.append(path)
    return paths


def long_clip(source: str, path: str, repeats: int) -> str:
    """`source`'s packets `repeats` times over, timestamps shifted (no re-encoding)."""
    with av.open(source) as inp:
        stream = inp.streams.video[0]
        packets = [p for p in inp.demux(stream) if p.size]
        span = max(p.pts for p in packets) + min(p.duration or 1 for p in packets)
        with av.open(path, "w") as out:
            dest = out.add_stream_from_template(stream)
            for r in range(repeats):
                for p in packets:
                    p.stream = dest
                    p.pts, p.dts = p.pts + (span if r else 0), p.dts + (span if r else 0)
                    out.mux(p)
    return path


SAMPLED_READ = """
import os, sys, threading, time
import av, numpy
from tfk_tokfrag.data.video_files import decode_video_file

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

peak, done = [rss()], threading.Event()

def watch():
    while not done.wait(0.002):
        peak.append(rss())

before = peak[0]
watcher = threading.Thread(target=watch)
watcher.start()
start = time.perf_counter()
video = decode_video_file(sys.argv[1], num_frames=16)
seconds = time.perf_counter() - start
done.set()
watcher.join()
print(seconds, (max(peak) - before) / 2**20, video.nbytes / 2**20, *video.shape)
"""


def sampled_read(path: str) -> tuple[float, float, float, tuple[int, ...]]:
    """`(seconds, peak resident memory growth MB, output MB, shape)` of a fresh process's read."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run(
        [sys.executable, "-c", SAMPLED_READ, path],
        capture_output=True, text=True, check=True, env=env, timeout=600,
    )
    seconds, growth, size, *shape = done.stdout.split()
    return float(seconds), float(growth), float(size), tuple(map(int, shape))


def cv2_read(path: str) -> np.ndarray:
    capture, frames = cv2.VideoCapture(path), []
    ok, frame = capture.read()
    while ok:
        frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        ok, frame = capture.read()
    capture.release()
    return np.stack(frames)


def pyav_read(path: str) -> np.ndarray:
    with av.open(path) as container:
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])


def with_setting(name: str, value: str, fn):
    """`fn` run with `video_files.<name>` (`THREAD_TYPE`, `DATASET_THREAD_TYPE`) set."""

    def run():
        before = getattr(video_files, name)
        setattr(video_files, name, value)
        try:
            return fn()
        finally:
            setattr(video_files, name, before)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]

    with tempfile.TemporaryDirectory() as folder:
        paths = write_clips(folder, args.clips, args.seconds)
        long_path = long_clip(paths[0], os.path.join(folder, "long.mp4"), 600 // args.seconds)
        long_seconds, long_growth, long_size, long_shape = sampled_read(long_path)
        with av.open(long_path) as container:
            long_frames = container.streams.video[0].frames
        frames = sum(len(cv2_read(p)) for p in paths)
        np.testing.assert_array_equal(decode_video_file(paths[0]), cv2_read(paths[0]))
        dataset = video_file_examples(paths, np.arange(len(paths)))

        def loop(read):
            def run():
                for path in paths:  # each clip is used, then dropped (as training would)
                    read(path)

            return run

        alive = []  # iterators torn down after the timing (see the module docstring)

        def iterate():
            iterator = iter(dataset)
            for _ in iterator:
                pass
            alive.append(iterator)

        fns = {
            "cv2": loop(cv2_read),
            "ours": loop(decode_video_file),
            "pyav": loop(pyav_read),
            "tfdata": iterate,
            "ours_one_thread": with_setting("THREAD_TYPE", "NONE", loop(decode_video_file)),
            "tfdata_frame_threads": with_setting("DATASET_THREAD_TYPE", "AUTO", iterate),
            "ours_16_frames": loop(lambda p: decode_video_file(p, num_frames=16)),
        }
        medians = _timing.interleaved_medians(fns, repeats=args.repeats, warmup=1)
        alive.clear()

    per_s = {name: frames / seconds for name, seconds in medians.items()}
    rows = [
        ("`cv2.VideoCapture` loop + `cvtColor` (anchor)", "cv2", ""),
        ("`decode_video_file` loop (ours, one stream)", "ours", ">= 0.9x"),
        ("PyAV plain loop (`to_ndarray(format='rgb24')`)", "pyav", "(info)"),
        (f"`video_file_examples`, AUTOTUNE, {os.cpu_count()} cores (ours)", "tfdata", ">= 1.6x"),
        ("`decode_video_file`, no FFmpeg threads", "ours_one_thread", "(info)"),
        ("`video_file_examples`, FFmpeg frame threads per file", "tfdata_frame_threads",
         "(info)"),
        ("`decode_video_file(num_frames=16)` (source frames/s)", "ours_16_frames", "(info)"),
    ]
    print(f"load average (1 min) before and after: {load_before:.2f}, {os.getloadavg()[0]:.2f}")
    print(f"{args.clips} H.264 clips, {args.seconds} s at {FPS} fps, {WIDTH}x{HEIGHT}: "
          f"{frames} frames per round, medians of {args.repeats} rounds")
    print(_timing.machine_line() + f", PyAV {av.__version__}, OpenCV {cv2.__version__}")
    print(f"10-minute clip ({long_frames} frames), num_frames=16 -> {long_shape} "
          f"({long_size:.1f} MB): {long_seconds:.1f} s ({long_frames / long_seconds:,.0f} "
          f"source frames/s), peak resident memory +{long_growth:.0f} MB")
    columns = ["reader", "frames/s", "ratio vs cv2", "target"]
    _timing.print_table(
        [
            {
                "reader": label,
                "frames/s": f"{per_s[name]:,.0f}",
                "ratio vs cv2": f"{per_s[name] / per_s['cv2']:.2f}x",
                "target": target,
            }
            for label, name, target in rows
        ],
        columns,
    )


if __name__ == "__main__":
    main()
