"""Writes data/processed/msp.csv from the published MSP tables transcribed below.

Figures are Rs per quintal, as published by the Press Information Bureau (PIB) releases of the
Cabinet Committee on Economic Affairs (CCEA) decisions on CACP recommendations; see data/README.md.
"""

import csv
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "data" / "processed" / "msp.csv"

KHARIF_YEARS = ["2019-20", "2020-21", "2021-22", "2022-23", "2023-24", "2024-25", "2025-26"]
RABI_YEARS = [
    "2019-20",
    "2020-21",
    "2021-22",
    "2022-23",
    "2023-24",
    "2024-25",
    "2025-26",
    "2026-27",
]

# slug: (name, MSP per marketing year in KHARIF_YEARS order)
KHARIF = {
    "paddy-common": ("Paddy (Common)", [1815, 1868, 1940, 2040, 2183, 2300, 2369]),
    "paddy-grade-a": ("Paddy (Grade A)", [1835, 1888, 1960, 2060, 2203, 2320, 2389]),
    "jowar-hybrid": ("Jowar (Hybrid)", [2550, 2620, 2738, 2970, 3180, 3371, 3699]),
    "jowar-maldandi": ("Jowar (Maldandi)", [2570, 2640, 2758, 2990, 3225, 3421, 3749]),
    "bajra": ("Bajra", [2000, 2150, 2250, 2350, 2500, 2625, 2775]),
    "ragi": ("Ragi", [3150, 3295, 3377, 3578, 3846, 4290, 4886]),
    "maize": ("Maize", [1760, 1850, 1870, 1962, 2090, 2225, 2400]),
    "tur-arhar": ("Tur (Arhar)", [5800, 6000, 6300, 6600, 7000, 7550, 8000]),
    "moong": ("Moong", [7050, 7196, 7275, 7755, 8558, 8682, 8768]),
    "urad": ("Urad", [5700, 6000, 6300, 6600, 6950, 7400, 7800]),
    "groundnut": ("Groundnut", [5090, 5275, 5550, 5850, 6377, 6783, 7263]),
    "sunflower-seed": ("Sunflower Seed", [5650, 5885, 6015, 6400, 6760, 7280, 7721]),
    "soybean-yellow": ("Soybean (Yellow)", [3710, 3880, 3950, 4300, 4600, 4892, 5328]),
    "sesamum": ("Sesamum", [6485, 6855, 7307, 7830, 8635, 9267, 9846]),
    "nigerseed": ("Nigerseed", [5940, 6695, 6930, 7287, 7734, 8717, 9537]),
    "cotton-medium-staple": ("Cotton (Medium Staple)", [5255, 5515, 5726, 6080, 6620, 7121, 7710]),
    "cotton-long-staple": ("Cotton (Long Staple)", [5550, 5825, 6025, 6380, 7020, 7521, 8110]),
}

# A rabi marketing season is announced the autumn before it (RMS 2025-26 in October 2024).
RABI = {
    "wheat": ("Wheat", [1840, 1925, 1975, 2015, 2125, 2275, 2425, 2585]),
    "barley": ("Barley", [1440, 1525, 1600, 1635, 1735, 1850, 1980, 2150]),
    "gram": ("Gram", [4620, 4875, 5100, 5230, 5335, 5440, 5650, 5875]),
    "masur-lentil": ("Masur (Lentil)", [4475, 4800, 5100, 5500, 6000, 6425, 6700, 7000]),
    "rapeseed-mustard": ("Rapeseed & Mustard", [4200, 4425, 4650, 5050, 5450, 5650, 5950, 6200]),
    "safflower": ("Safflower", [4945, 5215, 5327, 5441, 5650, 5800, 5940, 6540]),
}


def rows() -> list[dict[str, object]]:
    """All rows of msp.csv, kharif first."""
    out: list[dict[str, object]] = []
    for season, years, table in (("kharif", KHARIF_YEARS, KHARIF), ("rabi", RABI_YEARS, RABI)):
        for slug, (name, prices) in table.items():
            for year, price in zip(years, prices, strict=True):
                out.append(
                    {
                        "commodity": slug,
                        "name": name,
                        "season": season,
                        "marketing_year": year,
                        "msp_rs_per_quintal": price,
                        "source": f"PIB/CCEA MSP {season} marketing season {year}",
                    }
                )
    return out


def main() -> None:
    """Write the CSV."""
    data = rows()
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(data[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(data)
    print(f"wrote {len(data)} rows to {OUT}")


if __name__ == "__main__":
    main()
