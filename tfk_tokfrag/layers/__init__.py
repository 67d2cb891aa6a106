"""Tokenization layers (pixel tokens, word tokens, temporal fragments) and helpers."""

from tfk_tokfrag.layers.frame_wise import FrameWise
from tfk_tokfrag.layers.length_mask import LengthMask
from tfk_tokfrag.layers.masked_temporal_pooling import MaskedTemporalPooling
from tfk_tokfrag.layers.mean_of_probabilities import MeanOfProbabilities
from tfk_tokfrag.layers.minirocket_features import MiniRocketFeatures
from tfk_tokfrag.layers.pixel_tokenizer import PixelTokenizer
from tfk_tokfrag.layers.random_shift_rotate import RandomShiftRotate
from tfk_tokfrag.layers.ridge_classifier import RidgeClassifier
from tfk_tokfrag.layers.series_difference import SeriesDifference
from tfk_tokfrag.layers.series_standardization import SeriesStandardization
from tfk_tokfrag.layers.temporal_fragmenter import TemporalFragmenter
from tfk_tokfrag.layers.test_time_flip import FlipPairs, MeanOfPairs
from tfk_tokfrag.layers.word_tokenizer import WordTokenizer

__all__ = [
    "FlipPairs",
    "FrameWise",
    "LengthMask",
    "MaskedTemporalPooling",
    "MeanOfPairs",
    "MeanOfProbabilities",
    "MiniRocketFeatures",
    "PixelTokenizer",
    "RandomShiftRotate",
    "RidgeClassifier",
    "SeriesDifference",
    "SeriesStandardization",
    "TemporalFragmenter",
    "WordTokenizer",
]
