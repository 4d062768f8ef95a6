"""Generates the SYNTHETIC training data for the yield and weather models (fixed seed).

The numbers come from the formulas below plus Gaussian noise; they are not observations.
Output: data/processed/crop_yield_synthetic.csv and data/processed/weather_synthetic.csv.
"""

import csv
import math
from pathlib import Path

import numpy as np

SEED = 20261126
N_YIELD = 600
N_WEATHER = 600
OUT_DIR = Path(__file__).resolve().parents[1] / "data" / "processed"


def yield_rows(rng: np.random.Generator) -> list[dict[str, float]]:
    """Crop yield (t/ha) as a smooth function of rainfall, temperature, inputs and soil."""
    rows = []
    for _ in range(N_YIELD):
        rain = rng.uniform(300, 1800)
        temp = rng.uniform(18, 34)
        fert = rng.uniform(0, 250)
        irr = rng.uniform(0, 1)
        ph = rng.uniform(5.0, 8.5)
        # Rain helps up to 1200 mm then waterlogging hurts; fertiliser has diminishing returns.
        value = (
            1.2
            + 0.0015 * min(rain, 1200)
            - 0.0008 * max(rain - 1200, 0)
            + 0.008 * fert
            - 0.00002 * fert**2
            + 1.2 * irr
            - 0.05 * (temp - 26) ** 2
            - 0.4 * (ph - 6.8) ** 2
            + rng.normal(0, 0.25)
        )
        rows.append(
            {
                "rainfall_mm": round(rain, 1),
                "avg_temp_c": round(temp, 2),
                "fertilizer_kg_ha": round(fert, 1),
                "irrigated_fraction": round(irr, 3),
                "soil_ph": round(ph, 2),
                "yield_t_ha": round(max(value, 0.2), 3),
            }
        )
    return rows


def weather_rows(rng: np.random.Generator) -> list[dict[str, float]]:
    """Daily maximum temperature (deg C) from season, latitude, elevation and humidity."""
    rows = []
    for _ in range(N_WEATHER):
        doy = int(rng.integers(1, 366))
        lat = rng.uniform(8, 32)
        elev = rng.uniform(0, 2500)
        rh = rng.uniform(20, 100)
        season = 6 * math.sin(2 * math.pi * (doy - 80) / 365) * (lat / 25)
        value = 31 - 0.45 * (lat - 20) - 0.0065 * elev + season - 0.06 * (rh - 60)
        rows.append(
            {
                "day_of_year": doy,
                "latitude": round(lat, 3),
                "elevation_m": round(elev, 1),
                "relative_humidity_pct": round(rh, 1),
                "max_temp_c": round(value + rng.normal(0, 1.0), 2),
            }
        )
    return rows


def write_csv(path: Path, rows: list[dict[str, float]]) -> None:
    """Write rows with a header, LF line endings."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {path}")


def main() -> None:
    """Generate both datasets from one seeded generator."""
    rng = np.random.default_rng(SEED)
    write_csv(OUT_DIR / "crop_yield_synthetic.csv", yield_rows(rng))
    write_csv(OUT_DIR / "weather_synthetic.csv", weather_rows(rng))


if __name__ == "__main__":
    main()
