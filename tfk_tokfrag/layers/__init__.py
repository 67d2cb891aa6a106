"""Tokenization layers: pixel tokens, word tokens, temporal fragments."""
