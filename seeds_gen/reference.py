"""Fixed reference lists the generator draws from; docs/generator.md, "Patterns" documents them.

Weights are relative and need not sum to one.
"""

from __future__ import annotations

# region -> (share of customers, order activity multiplier, [(country, city, share within region)])
REGIONS: dict[str, tuple[float, float, list[tuple[str, str, float]]]] = {
    "North America": (
        0.34,
        1.25,
        [
            ("United States", "New York", 0.30),
            ("United States", "Los Angeles", 0.25),
            ("United States", "Chicago", 0.20),
            ("Canada", "Toronto", 0.15),
            ("Canada", "Vancouver", 0.10),
        ],
    ),
    "Europe": (
        0.28,
        1.00,
        [
            ("United Kingdom", "London", 0.30),
            ("Germany", "Berlin", 0.20),
            ("France", "Paris", 0.20),
            ("Spain", "Madrid", 0.15),
            ("Netherlands", "Amsterdam", 0.15),
        ],
    ),
    "Asia Pacific": (
        0.20,
        0.90,
        [
            ("Japan", "Tokyo", 0.35),
            ("Australia", "Sydney", 0.25),
            ("Singapore", "Singapore", 0.20),
            ("India", "Mumbai", 0.20),
        ],
    ),
    "Latin America": (
        0.12,
        0.70,
        [
            ("Brazil", "Sao Paulo", 0.45),
            ("Mexico", "Mexico City", 0.35),
            ("Argentina", "Buenos Aires", 0.20),
        ],
    ),
    "Middle East & Africa": (
        0.06,
        0.80,
        [
            ("United Arab Emirates", "Dubai", 0.50),
            ("South Africa", "Johannesburg", 0.30),
            ("Nigeria", "Lagos", 0.20),
        ],
    ),
}

GENDERS: dict[str, float] = {"Female": 0.49, "Male": 0.48, "Non-binary": 0.03}

# Age on the registration day: normal(mean, sd) in years, clipped to [min, max]. Adults only.
AGE_AT_REGISTRATION = {"mean": 41.0, "sd": 14.0, "min": 18.0, "max": 90.0}

# Relative order volume by calendar month (January first): a holiday peak, a quiet start of year.
MONTH_WEIGHTS: tuple[float, ...] = (0.80, 0.75, 0.90, 0.95, 1.00, 0.95, 0.90, 0.95, 1.00, 1.10, 1.45, 1.60)

# category -> (share of the catalogue, median list price, product nouns). Lowercase, as the source sends them.
CATEGORIES: dict[str, tuple[float, float, list[str]]] = {
    "electronics": (0.18, 180.0, ["Headphones", "Speaker", "Monitor", "Tablet", "Camera", "Charger"]),
    "home & kitchen": (0.16, 60.0, ["Blender", "Kettle", "Pan Set", "Lamp", "Towel Set", "Knife Block"]),
    "clothing": (0.15, 45.0, ["Jacket", "Sweater", "Jeans", "Sneakers", "Dress", "Scarf"]),
    "sports & outdoors": (0.12, 70.0, ["Tent", "Yoga Mat", "Bike Helmet", "Backpack", "Dumbbells"]),
    "beauty": (0.11, 25.0, ["Face Cream", "Perfume", "Shampoo", "Hair Dryer", "Lipstick"]),
    "toys & games": (0.10, 30.0, ["Board Game", "Puzzle", "Building Set", "Doll House", "Drone"]),
    "books": (0.10, 18.0, ["Cookbook", "Novel", "Atlas", "Biography", "Art Book"]),
    "grocery": (0.08, 12.0, ["Coffee Beans", "Olive Oil", "Tea Box", "Chocolate", "Honey"]),
}
PRODUCT_ADJECTIVES = ("Classic", "Nova", "Urban", "Aurora", "Summit", "Coastal", "Evergreen", "Lumen")
LIST_PRICE_SPREAD = 0.8  # sigma of the log-normal list price around the category median
LIST_PRICE_RANGE = (2.99, 1299.99)

FEEDBACK_COMMENTS: dict[int, tuple[str, ...]] = {
    1: ("Broke after a week.", "Very disappointed, returning it.", "Not as described."),
    2: ("Below expectations.", "Quality could be better.", "Arrived late and scratched."),
    3: ("It is okay.", "Does the job, nothing special.", "Average for the price."),
    4: ("Good value.", "Works well, would recommend.", "Nice quality."),
    5: ("Excellent, exactly what I wanted!", "Love it, buying another.", "Best purchase this year."),
}
