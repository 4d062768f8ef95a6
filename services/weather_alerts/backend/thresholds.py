"""Crop-weather alert thresholds per crop and growth stage: data, not logic.

Source: values follow Indian agromet advisory practice: the IMD Agromet Advisory Service
(district bulletins of the Gramin Krishi Mausam Sewa) and ICAR crop institutes' weather
advisories (wheat terminal heat above 35 °C at flowering and grain filling; rice spikelet
sterility above 35 °C at anthesis; frost on mustard, potato and chickpea when the minimum
falls to 2-4 °C; potato late blight at RH above 90 % with 10-25 °C; lodging in winds above
40 km/h near maturity) and IMD's 24-hour rainfall categories (heavy 64.5-115.5 mm, very
heavy 115.6-204.4 mm, extremely heavy from 204.5 mm).

These thresholds are INDICATIVE: they flag weather worth acting on, and do not replace the
advisory of the local Agromet Field Unit or Krishi Vigyan Kendra, which knows the variety,
soil and sowing date. Every comparison is inclusive: a value equal to a threshold raises
the alert.
"""

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

SOURCE = (
    "Indicative thresholds after IMD Agromet Advisory Service bulletins, ICAR crop institute "
    "advisories and IMD rainfall categories; follow your district agromet advisory or KVK."
)


class Crop(StrEnum):
    """Field crops with thresholds on record."""

    wheat = "wheat"
    rice = "rice"
    maize = "maize"
    cotton = "cotton"
    mustard = "mustard"
    potato = "potato"
    chickpea = "chickpea"


class Stage(StrEnum):
    """Growth stages; each crop has its own subset (see THRESHOLDS)."""

    sowing = "sowing"
    vegetative = "vegetative"
    flowering = "flowering"
    grain_filling = "grain_filling"
    pod_filling = "pod_filling"
    boll_development = "boll_development"
    tuber_bulking = "tuber_bulking"
    maturity = "maturity"


class AlertKind(StrEnum):
    """What the weather threatens."""

    heat_stress = "heat_stress"
    cold_injury = "cold_injury"
    frost = "frost"
    heavy_rain = "heavy_rain"
    waterlogging = "waterlogging"
    disease_risk_humid = "disease_risk_humid"
    lodging_wind = "lodging_wind"


Severity = Literal["moderate", "severe"]
Comparison = Literal[">=", "<="]
Season = Literal["kharif", "rabi"]
# Daily forecast fields, plus rainfall summed over RAIN_WINDOW_DAYS forecast days.
Variable = Literal["tmax_c", "tmin_c", "rainfall_mm", "rainfall_3day_mm", "rh_pct", "wind_kmh"]

# Waterlogging builds up over several wet days, so it looks at the rain of a short window.
RAIN_WINDOW_DAYS = 3

# IMD 24-hour rainfall categories. Extremely heavy rain (>= 204.5 mm) stays "severe".
HEAVY_RAIN_MM = 64.5
VERY_HEAVY_RAIN_MM = 115.6
# Screen minimum temperature at which ground frost forms on clear, calm nights.
FROST_MODERATE_C = 4.0
FROST_SEVERE_C = 2.0
HUMID_RH_MODERATE = 90.0
HUMID_RH_SEVERE = 95.0
WIND_MODERATE_KMH = 40.0
WIND_SEVERE_KMH = 60.0


class Rule(BaseModel):
    """One threshold: the alert is raised when the variable crosses `moderate` or `severe`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: AlertKind
    variable: Variable
    comparison: Comparison
    moderate: float
    severe: float
    # Disease rules only: the day's tmin_c and tmax_c must both lie in this range (°C).
    temperature_window_c: tuple[float, float] | None = None
    advice: str


class StageThresholds(BaseModel):
    """What a stage means for one crop, and the rules that apply during it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    description: str
    rules: tuple[Rule, ...]


class CropThresholds(BaseModel):
    """A crop's display name, seasons and stages, in growth order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    seasons: tuple[Season, ...]
    stages: dict[Stage, StageThresholds]


def _heat(moderate: float, severe: float, advice: str) -> Rule:
    return Rule(
        kind=AlertKind.heat_stress,
        variable="tmax_c",
        comparison=">=",
        moderate=moderate,
        severe=severe,
        advice=advice,
    )


def _cold(moderate: float, severe: float, advice: str) -> Rule:
    return Rule(
        kind=AlertKind.cold_injury,
        variable="tmin_c",
        comparison="<=",
        moderate=moderate,
        severe=severe,
        advice=advice,
    )


def _frost(advice: str) -> Rule:
    return Rule(
        kind=AlertKind.frost,
        variable="tmin_c",
        comparison="<=",
        moderate=FROST_MODERATE_C,
        severe=FROST_SEVERE_C,
        advice=advice,
    )


def _heavy_rain(advice: str) -> Rule:
    return Rule(
        kind=AlertKind.heavy_rain,
        variable="rainfall_mm",
        comparison=">=",
        moderate=HEAVY_RAIN_MM,
        severe=VERY_HEAVY_RAIN_MM,
        advice=advice,
    )


def _waterlogging(moderate: float, severe: float, advice: str) -> Rule:
    return Rule(
        kind=AlertKind.waterlogging,
        variable="rainfall_3day_mm",
        comparison=">=",
        moderate=moderate,
        severe=severe,
        advice=advice,
    )


def _humid_disease(low_c: float, high_c: float, advice: str) -> Rule:
    return Rule(
        kind=AlertKind.disease_risk_humid,
        variable="rh_pct",
        comparison=">=",
        moderate=HUMID_RH_MODERATE,
        severe=HUMID_RH_SEVERE,
        temperature_window_c=(low_c, high_c),
        advice=advice,
    )


def _wind(advice: str) -> Rule:
    return Rule(
        kind=AlertKind.lodging_wind,
        variable="wind_kmh",
        comparison=">=",
        moderate=WIND_MODERATE_KMH,
        severe=WIND_SEVERE_KMH,
        advice=advice,
    )


def _stage(description: str, *rules: Rule) -> StageThresholds:
    return StageThresholds(description=description, rules=rules)


RAIN_AT_SOWING = _heavy_rain(
    "Postpone sowing and fertiliser until the field drains; fill gaps where seed rots."
)
RAIN_GROWING = _heavy_rain("Drain standing water; postpone irrigation, fertiliser and spraying.")
RAIN_IN_PADDY = _heavy_rain(
    "Strengthen bunds and let excess water out; postpone fertiliser and spraying."
)
RAIN_AT_MATURITY = _heavy_rain(
    "Harvest mature produce before the rain if you can; keep harvested produce covered."
)

# Pulses, oilseeds, potato and maize suffer sooner in wet soil than wheat and cotton.
WATERLOG_SENSITIVE = (50.0, 100.0)
WATERLOG_TOLERANT = (65.0, 115.0)

WHEAT_YELLOW_RUST = _humid_disease(
    5.0, 20.0, "Cool, humid weather favours yellow rust: scout for yellow stripes, spray if found."
)
WHEAT_WATERLOG = _waterlogging(
    *WATERLOG_TOLERANT, "Drain the field within a day: standing water yellows young wheat."
)
RICE_BLAST = _humid_disease(
    20.0, 30.0, "Humid weather favours blast: hold back nitrogen and scout for spindle lesions."
)
MAIZE_WATERLOG = _waterlogging(
    *WATERLOG_SENSITIVE, "Open drains at once: young maize dies after 2-3 days under water."
)
MAIZE_LEAF_BLIGHT = _humid_disease(
    18.0, 27.0, "Humid, mild weather favours turcicum leaf blight: scout leaves, spray if found."
)
COTTON_WATERLOG = _waterlogging(
    *WATERLOG_TOLERANT, "Drain the field at once: cotton roots and seedlings rot in standing water."
)
MUSTARD_FROST = _frost(
    "Frost risk: irrigate lightly in the evening; smoke field borders on calm, clear nights."
)
MUSTARD_HEAT = _heat(
    30.0, 33.0, "Give a light irrigation: heat cuts flowering short and shrivels the seed."
)
MUSTARD_BLIGHT = _humid_disease(
    10.0, 25.0, "Humid weather favours Alternaria blight and white rust: scout leaves and pods."
)
MUSTARD_WATERLOG = _waterlogging(
    *WATERLOG_SENSITIVE, "Drain the field: mustard seedlings die in waterlogged soil."
)
POTATO_FROST = _frost(
    "Frost risk: irrigate lightly in the evening; smoke field borders on calm, clear nights."
)
POTATO_LATE_BLIGHT = _humid_disease(
    10.0,
    25.0,
    "Late blight weather: spray a protective fungicide (e.g. mancozeb); do not irrigate.",
)
POTATO_WATERLOG = _waterlogging(
    *WATERLOG_SENSITIVE, "Drain the furrows: tubers rot and blight spreads in waterlogged soil."
)
CHICKPEA_HEAT = _heat(
    35.0, 38.0, "Give a light irrigation: heat above about 35 °C drops flowers and shrivels pods."
)
CHICKPEA_FROST = _frost(
    "Frost risk: irrigate lightly in the evening; frost kills chickpea flowers and young pods."
)
CHICKPEA_BLIGHT = _humid_disease(
    15.0, 25.0, "Humid weather favours Ascochyta blight and grey mould: scout, spray if found."
)
CHICKPEA_WATERLOG = _waterlogging(
    *WATERLOG_SENSITIVE, "Drain the field at once: chickpea roots rot and wilt in wet soil."
)

THRESHOLDS: dict[Crop, CropThresholds] = {
    Crop.wheat: CropThresholds(
        name="Wheat",
        seasons=("rabi",),
        stages={
            Stage.sowing: _stage("Sowing to emergence.", WHEAT_WATERLOG, RAIN_AT_SOWING),
            Stage.vegetative: _stage(
                "Crown-root initiation, tillering and jointing.",
                WHEAT_WATERLOG,
                WHEAT_YELLOW_RUST,
                RAIN_GROWING,
            ),
            Stage.flowering: _stage(
                "Heading and anthesis.",
                _heat(35.0, 38.0, "Give a light irrigation in the evening to cool the crop."),
                WHEAT_YELLOW_RUST,
                RAIN_GROWING,
            ),
            Stage.grain_filling: _stage(
                "Milk and dough stages.",
                _heat(35.0, 38.0, "Terminal heat: irrigate lightly in the evening; avoid stress."),
                _wind("Do not irrigate ahead of strong wind: wet soil and wind lodge the crop."),
                RAIN_GROWING,
            ),
            Stage.maturity: _stage(
                "Hard dough to harvest.",
                _wind("Harvest promptly: strong wind lodges and shatters the ripe crop."),
                RAIN_AT_MATURITY,
            ),
        },
    ),
    Crop.rice: CropThresholds(
        name="Rice (paddy)",
        seasons=("kharif", "rabi"),
        stages={
            Stage.sowing: _stage(
                "Nursery, transplanting or direct seeding.",
                _heavy_rain(
                    "Drain nursery beds; put off direct seeding and fertiliser till it stops."
                ),
            ),
            Stage.vegetative: _stage("Tillering to panicle initiation.", RICE_BLAST, RAIN_IN_PADDY),
            Stage.flowering: _stage(
                "Booting, heading and anthesis.",
                _heat(35.0, 38.0, "Keep 5 cm of standing water: heat at anthesis kills spikelets."),
                _cold(15.0, 12.0, "Cold sterilises spikelets: keep deeper water to hold warmth."),
                RICE_BLAST,
                RAIN_IN_PADDY,
            ),
            Stage.grain_filling: _stage(
                "Milk and dough stages.",
                _heat(35.0, 38.0, "Keep the soil saturated: heat now gives chalky, light grain."),
                _wind("Strong wind lodges the heavy panicles: keep bunds and drains ready."),
                RAIN_IN_PADDY,
            ),
            Stage.maturity: _stage(
                "Grain hardening to harvest.",
                _wind("Harvest without delay: strong wind lodges and shatters the ripe crop."),
                RAIN_AT_MATURITY,
            ),
        },
    ),
    Crop.maize: CropThresholds(
        name="Maize",
        seasons=("kharif", "rabi"),
        stages={
            Stage.sowing: _stage(
                "Sowing to emergence.",
                _cold(10.0, 5.0, "Maize emerges poorly in the cold: delay sowing until it warms."),
                MAIZE_WATERLOG,
                RAIN_AT_SOWING,
            ),
            Stage.vegetative: _stage(
                "Seedling to knee-high and pre-tasselling.",
                MAIZE_WATERLOG,
                MAIZE_LEAF_BLIGHT,
                RAIN_GROWING,
            ),
            Stage.flowering: _stage(
                "Tasselling and silking.",
                _heat(35.0, 38.0, "Irrigate: heat at silking kills pollen and dries the silks."),
                MAIZE_WATERLOG,
                MAIZE_LEAF_BLIGHT,
                RAIN_GROWING,
            ),
            Stage.grain_filling: _stage(
                "Milk and dough stages.",
                _wind("Earth up and do not irrigate ahead of strong wind, to limit lodging."),
                RAIN_GROWING,
            ),
            Stage.maturity: _stage(
                "Black layer to harvest.",
                _wind("Harvest promptly: strong wind lodges the mature crop."),
                RAIN_AT_MATURITY,
            ),
        },
    ),
    Crop.cotton: CropThresholds(
        name="Cotton",
        seasons=("kharif",),
        stages={
            Stage.sowing: _stage(
                "Sowing to emergence.",
                _cold(15.0, 12.0, "Cotton emerges poorly on cold nights: delay sowing a few days."),
                COTTON_WATERLOG,
                RAIN_AT_SOWING,
            ),
            Stage.vegetative: _stage(
                "Seedling to square formation.", COTTON_WATERLOG, RAIN_GROWING
            ),
            Stage.flowering: _stage(
                "Flowering, with squares and young bolls.",
                _heat(40.0, 43.0, "Irrigate lightly: heat sheds squares, flowers and young bolls."),
                COTTON_WATERLOG,
                RAIN_GROWING,
            ),
            Stage.boll_development: _stage(
                "Boll development.",
                _humid_disease(
                    25.0, 35.0, "Warm, humid weather favours boll rot: open up the canopy, scout."
                ),
                RAIN_GROWING,
            ),
            Stage.maturity: _stage(
                "Boll opening and picking.",
                _heavy_rain("Pick opened bolls before the rain: wet seed cotton loses its grade."),
            ),
        },
    ),
    Crop.mustard: CropThresholds(
        name="Rapeseed-mustard",
        seasons=("rabi",),
        stages={
            Stage.sowing: _stage(
                "Sowing to emergence.",
                _heat(35.0, 38.0, "Delay sowing or irrigate lightly: hot topsoil kills seedlings."),
                MUSTARD_WATERLOG,
                RAIN_AT_SOWING,
            ),
            Stage.vegetative: _stage("Rosette and branching.", MUSTARD_WATERLOG, RAIN_GROWING),
            Stage.flowering: _stage(
                "Flowering.", MUSTARD_FROST, MUSTARD_HEAT, MUSTARD_BLIGHT, RAIN_GROWING
            ),
            Stage.pod_filling: _stage(
                "Siliqua formation and seed filling.",
                MUSTARD_FROST,
                MUSTARD_HEAT,
                MUSTARD_BLIGHT,
                _wind("Do not irrigate ahead of strong wind: the pod-laden crop lodges easily."),
                RAIN_GROWING,
            ),
            Stage.maturity: _stage(
                "Siliquae turning yellow to harvest.",
                _wind("Harvest when most siliquae turn yellow: strong wind shatters ripe pods."),
                RAIN_AT_MATURITY,
            ),
        },
    ),
    Crop.potato: CropThresholds(
        name="Potato",
        seasons=("rabi",),
        stages={
            Stage.sowing: _stage(
                "Planting to emergence.",
                _heat(32.0, 35.0, "Delay planting: cut seed tubers rot in hot soil."),
                POTATO_WATERLOG,
                RAIN_AT_SOWING,
            ),
            Stage.vegetative: _stage(
                "Emergence to stolon formation.",
                POTATO_FROST,
                POTATO_LATE_BLIGHT,
                POTATO_WATERLOG,
                RAIN_GROWING,
            ),
            Stage.tuber_bulking: _stage(
                "Tuber initiation and bulking.",
                POTATO_FROST,
                _heat(30.0, 33.0, "Irrigate lightly and often: heat slows tuber initiation."),
                POTATO_LATE_BLIGHT,
                POTATO_WATERLOG,
                RAIN_GROWING,
            ),
            Stage.maturity: _stage("Haulm yellowing, dehaulming and harvest.", RAIN_AT_MATURITY),
        },
    ),
    Crop.chickpea: CropThresholds(
        name="Chickpea (gram)",
        seasons=("rabi",),
        stages={
            Stage.sowing: _stage("Sowing to emergence.", CHICKPEA_WATERLOG, RAIN_AT_SOWING),
            Stage.vegetative: _stage("Branching.", CHICKPEA_WATERLOG, RAIN_GROWING),
            Stage.flowering: _stage(
                "Flowering.",
                CHICKPEA_HEAT,
                CHICKPEA_FROST,
                CHICKPEA_BLIGHT,
                CHICKPEA_WATERLOG,
                RAIN_GROWING,
            ),
            Stage.pod_filling: _stage(
                "Pod formation and seed filling.",
                CHICKPEA_HEAT,
                CHICKPEA_FROST,
                CHICKPEA_BLIGHT,
                RAIN_GROWING,
            ),
            Stage.maturity: _stage("Pods drying to harvest.", RAIN_AT_MATURITY),
        },
    ),
}
