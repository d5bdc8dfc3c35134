"""Synthetic seized data with ground truth: the test bed, demo and benchmark load.

``generate(out, scale, seed)`` writes an operation's files (accounts, messages, payments,
logins, locations as canonical CSV / JSON Lines), ``manifest.json`` and ``truth/``.
No explicit content exists anywhere: such lines are the tokens ``[REQUEST]``, ``[PRICE]``
and ``[LIVE]``.
"""

from threadline.synth.run import SynthSummary, generate
from threadline.synth.scales import SCALES

__all__ = ["SCALES", "SynthSummary", "generate"]
