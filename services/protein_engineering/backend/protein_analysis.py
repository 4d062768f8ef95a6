"""Protein sequence validation and ProtParam analysis."""

import re

from Bio.SeqUtils.ProtParam import ProteinAnalysis

from annadata_common.exceptions import InvalidInputError
from annadata_common.schemas import ResponseModel

STANDARD_RESIDUES = frozenset("ACDEFGHIKLMNPQRSTVWY")
# Shown positions are capped so one bad paste does not produce a megabyte of error text.
MAX_REPORTED_POSITIONS = 20
_WHITESPACE = re.compile(r"\s+")


class SequenceError(InvalidInputError):
    """The sequence is empty, too long, or holds non-standard residues."""


class ProteinReport(ResponseModel):
    """The ProtParam measures the API returns."""

    length: int
    molecular_weight_da: float
    isoelectric_point: float
    gravy: float
    instability_index: float
    is_stable: bool
    aromaticity: float
    amino_acid_percent: dict[str, float]


def normalize_sequence(raw: str, max_length: int) -> str:
    """Strip whitespace (FASTA line breaks), upper-case, and validate residues and length."""
    if raw.lstrip().startswith(">"):
        # A FASTA header line is a common paste; drop it rather than reject the input.
        raw = raw.split("\n", 1)[1] if "\n" in raw else ""
    sequence = _WHITESPACE.sub("", raw).upper()
    if not sequence:
        raise SequenceError("sequence is empty")
    if len(sequence) > max_length:
        raise SequenceError(
            f"sequence has {len(sequence)} residues; the limit is {max_length} "
            "(MAX_SEQUENCE_LENGTH)"
        )
    bad = [(i + 1, ch) for i, ch in enumerate(sequence) if ch not in STANDARD_RESIDUES]
    if bad:
        shown = ", ".join(f"{ch!r} at {pos}" for pos, ch in bad[:MAX_REPORTED_POSITIONS])
        more = (
            f" and {len(bad) - MAX_REPORTED_POSITIONS} more"
            if len(bad) > MAX_REPORTED_POSITIONS
            else ""
        )
        chars = "".join(sorted({ch for _, ch in bad}))
        raise SequenceError(
            f"invalid residues {chars!r} (only the 20 standard one-letter amino acid codes "
            f"are accepted): {shown}{more}"
        )
    return sequence


def analyze(sequence: str) -> ProteinReport:
    """Compute ProtParam measures for a validated sequence."""
    analysis = ProteinAnalysis(sequence)
    instability = analysis.instability_index()
    return ProteinReport(
        length=len(sequence),
        molecular_weight_da=round(analysis.molecular_weight(), 4),
        isoelectric_point=round(analysis.isoelectric_point(), 4),
        gravy=round(analysis.gravy(), 4),
        instability_index=round(instability, 4),
        # Guruprasad et al. (1990): an index above 40 predicts an unstable protein.
        is_stable=instability <= 40,
        aromaticity=round(analysis.aromaticity(), 4),
        amino_acid_percent={aa: round(p, 4) for aa, p in analysis.amino_acids_percent.items()},
    )
