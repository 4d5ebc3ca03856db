"""Readers for the real corpora in the formats their owners ship (pure python/numpy).

Each module reads one format: SPHERE audio (+ shorten, shortpack), WSJ transcripts, LibriSpeech,
Penn Treebank .mrg, WMT text/SGML and archives, COCO captions, ImageNet folders.
"""
