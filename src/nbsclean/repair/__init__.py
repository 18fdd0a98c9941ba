"""Repair (pure): text and a lexicon in, text and edits out.

:mod:`.normalise` (layout and Unicode fixes), :mod:`.lexicon` (which Swedish word forms
exist and how common they are), :mod:`.confusions` (the OCR confusion model and context
rules) and :mod:`.engine` (the noisy-channel decision per word).
"""
