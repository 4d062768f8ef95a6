"""No-registry mode: the decision, the stand-in manifest and the stand-in builds."""
