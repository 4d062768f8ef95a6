"""Soil Health Card rating norms: every threshold and advisory this service applies, as data.

Sources: the Soil Health Card scheme of the Department of Agriculture & Farmers Welfare,
Government of India (soilhealth.dac.gov.in), and its laboratory manual "Methods Manual: Soil
Testing in India" (DAC, 2011); secondary and micronutrient critical limits are the ones those
cards print (DTPA after Lindsay & Norvell, 1978); nutrient index classes after Ramamoorthy &
Bajaj (1969). The fertiliser advisories follow the card's soil-test rule: low +25 % and high
-25 % of the state's recommended dose.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Cut:
    """A class boundary; `in_lower` says whether the boundary value itself takes the lower class."""

    value: float
    in_lower: bool


@dataclass(frozen=True)
class Norm:
    """How one soil-test parameter is rated: its classes, lowest first, and the cuts between."""

    name: str
    unit: str
    method: str
    ratings: tuple[str, ...]
    cuts: tuple[Cut, ...]


LMH = ("low", "medium", "high")
CRITICAL = ("deficient", "sufficient")

# Keyed by the parameter name the API reports. Ranges as printed on the card: "<280 low,
# 280-560 medium, >560 high" puts both 280 and 560 in medium.
NORMS: dict[str, Norm] = {
    "ph": Norm(
        "soil reaction (pH)",
        "pH units",
        "1:2 soil:water suspension",
        (
            "strongly_acidic",
            "moderately_acidic",
            "neutral",
            "moderately_alkaline",
            "strongly_alkaline",
        ),
        # 6.5-7.5 neutral is the card's three-way split; 5.5 marks soils that need lime and
        # 8.5 the usual onset of sodicity (gypsum).
        (Cut(5.5, False), Cut(6.5, False), Cut(7.5, True), Cut(8.5, True)),
    ),
    "ec": Norm(
        "electrical conductivity",
        "dS/m",
        "1:2 soil:water extract",
        ("normal", "critical", "injurious"),
        (Cut(1.0, False), Cut(3.0, True)),
    ),
    "organic_carbon": Norm(
        "organic carbon",
        "%",
        "Walkley-Black wet oxidation",
        LMH,
        (Cut(0.5, False), Cut(0.75, True)),
    ),
    "nitrogen": Norm(
        "available nitrogen",
        "kg N/ha",
        "alkaline permanganate (Subbiah & Asija)",
        LMH,
        (Cut(280, False), Cut(560, True)),
    ),
    # Labs print P and K either as element or as oxide. These cuts are for elemental P and K
    # (P2O5 = 2.29 x P, K2O = 1.20 x K): callers convert oxide figures before sending them.
    "phosphorus": Norm(
        "available phosphorus",
        "kg P/ha",
        "Olsen 0.5 M NaHCO3 (Bray-1 in acid soils)",
        LMH,
        (Cut(10, False), Cut(25, True)),
    ),
    "potassium": Norm(
        "available potassium",
        "kg K/ha",
        "1 N neutral ammonium acetate",
        LMH,
        (Cut(110, False), Cut(280, True)),
    ),
    # Below the critical limit a crop is likely to respond to the nutrient; the card prints
    # only deficient or sufficient for these.
    "sulphur": Norm("available sulphur", "mg/kg", "0.15 % CaCl2", CRITICAL, (Cut(10, False),)),
    "zinc": Norm("available zinc", "mg/kg", "DTPA", CRITICAL, (Cut(0.6, False),)),
    "iron": Norm("available iron", "mg/kg", "DTPA", CRITICAL, (Cut(4.5, False),)),
    "copper": Norm("available copper", "mg/kg", "DTPA", CRITICAL, (Cut(0.2, False),)),
    "manganese": Norm("available manganese", "mg/kg", "DTPA", CRITICAL, (Cut(2.0, False),)),
    "boron": Norm("available boron", "mg/kg", "hot water", CRITICAL, (Cut(0.5, False),)),
}

# The nutrient index value (1*nL + 2*nM + 3*nH) / n, over the fertility parameters every card
# rates low/medium/high; micronutrients are two-class and stay out of it.
INDEX_PARAMETERS = ("organic_carbon", "nitrogen", "phosphorus", "potassium")
INDEX_SCORES = {"low": 1, "medium": 2, "high": 3}
INDEX_NORM = Norm(
    "nutrient index value",
    "1-3",
    "(1*nLow + 2*nMedium + 3*nHigh) / n",
    LMH,
    (Cut(1.67, False), Cut(2.33, True)),
)

_MORE = "apply 25 % more than the recommended dose of {}"
_LESS = "apply 25 % less than the recommended dose of {}"

# (parameter, rating) -> one short advisory; classes without an entry need no action.
ADVICE: dict[tuple[str, str], str] = {
    ("ph", "strongly_acidic"): (
        "Strongly acidic: apply agricultural lime as per a lime requirement test; "
        "grow acid-tolerant crops meanwhile."
    ),
    ("ph", "moderately_acidic"): (
        "Moderately acidic: lime for pulses and oilseeds; avoid acid-forming fertilisers "
        "such as ammonium sulphate."
    ),
    ("ph", "moderately_alkaline"): (
        "Moderately alkaline: add organic manure and prefer acid-forming fertilisers; "
        "watch for zinc and iron deficiency."
    ),
    ("ph", "strongly_alkaline"): (
        "Strongly alkaline, likely sodic: apply gypsum as per a gypsum requirement test, "
        "with organic manure and good drainage."
    ),
    ("ec", "critical"): (
        "Salinity critical for germination: irrigate with good-quality water, leach salts "
        "and choose salt-tolerant crops."
    ),
    ("ec", "injurious"): (
        "Saline, injurious to most crops: leach salts with good-quality water, provide "
        "drainage and grow only salt-tolerant crops."
    ),
    ("organic_carbon", "low"): (
        "Low organic carbon: apply farmyard manure or compost, grow green manure and "
        "retain crop residues."
    ),
    ("nitrogen", "low"): "Low nitrogen: " + _MORE.format("N") + ".",
    ("nitrogen", "high"): "High nitrogen: " + _LESS.format("N") + ".",
    ("phosphorus", "low"): "Low phosphorus: " + _MORE.format("P2O5") + ".",
    ("phosphorus", "high"): "High phosphorus: " + _LESS.format("P2O5") + ".",
    ("potassium", "low"): "Low potassium: " + _MORE.format("K2O") + ".",
    ("potassium", "high"): "High potassium: " + _LESS.format("K2O") + ".",
    ("sulphur", "deficient"): (
        "Sulphur deficient: apply gypsum, single superphosphate or elemental sulphur."
    ),
    ("zinc", "deficient"): "Zinc deficient: apply zinc sulphate to the soil or as a foliar spray.",
    ("iron", "deficient"): "Iron deficient: spray ferrous sulphate on the crop.",
    ("copper", "deficient"): "Copper deficient: apply copper sulphate.",
    ("manganese", "deficient"): "Manganese deficient: spray manganese sulphate on the crop.",
    ("boron", "deficient"): "Boron deficient: apply borax to the soil or as a foliar spray.",
}

SOURCE = (
    "Soil Health Card rating norms, Department of Agriculture & Farmers Welfare, "
    "Government of India; Methods Manual: Soil Testing in India (2011)"
)
