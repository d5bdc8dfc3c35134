"""Share: exports, referral packages and deconfliction."""
