"""A small shop written in the generic import format, with planted co-purchase patterns.

Stdlib and the project's config loader: both test environments (Rasa's and the recommender's) use it.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import random
from pathlib import Path

from cartwise import config

PRODUCTS = [
    # id, title, category, department, brand, price, size, stock
    ("chips-1", "Tortilla Chips, 13 oz", "Tortilla Chips", "Snacks", "Fiesta", 3.49, "13 oz", 40),
    ("chips-2", "Tortilla Chips, 9 oz", "Tortilla Chips", "Snacks", "Store brand", 1.99, "9 oz", 25),
    ("chips-3", "Restaurant Style Tortilla Chips, 16 oz", "Tortilla Chips", "Snacks", "Casa", 4.29, "16 oz", 12),
    ("potato-1", "Potato Chips, 8 oz", "Potato Chips", "Snacks", "Crunchy", 2.99, "8 oz", 30),
    ("potato-2", "Kettle Potato Chips, 8 oz", "Potato Chips", "Snacks", "Store brand", 2.49, "8 oz", 30),
    ("salsa-1", "Chunky Salsa, 16 oz", "Salsa", "Pantry", "Fiesta", 2.99, "16 oz", 20),
    ("salsa-2", "Salsa Verde, 12 oz", "Salsa", "Pantry", "Casa", 3.49, "12 oz", 8),
    ("sour-1", "Sour Cream, 16 oz", "Sour Cream", "Dairy", "Store brand", 1.89, "16 oz", 15),
    ("cheese-1", "Shredded Mexican Cheese, 8 oz", "Shredded Cheese", "Dairy", "Store brand", 2.79, "8 oz", 22),
    ("coffee-1", "Ground Coffee Medium Roast, 12 oz", "Ground Coffee", "Pantry", "Bean Co", 8.99, "12 oz", 18),
    ("coffee-2", "Ground Coffee Dark Roast, 12 oz", "Ground Coffee", "Pantry", "Store brand", 5.99, "12 oz", 18),
    ("coffee-3", "Espresso Ground Coffee, 10 oz", "Ground Coffee", "Pantry", "Roma", 11.49, "10 oz", 6),
    ("filter-1", "Coffee Filters, 100 ct", "Coffee Filters", "Household", "Store brand", 2.49, "100 ct", 40),
    ("creamer-1", "Coffee Creamer, 32 oz", "Coffee Creamer", "Dairy", "Bean Co", 3.99, "32 oz", 20),
    ("milk-1", "Whole Milk, 1 gal", "Milk", "Dairy", "Store brand", 3.29, "1 gal", 60),
    ("cereal-1", "Honey Oat Cereal, 14 oz", "Cereal", "Breakfast", "Morning", 4.49, "14 oz", 30),
    ("banana-1", "Bananas, 1 lb", "Bananas", "Produce", "Store brand", 0.59, "1 lb", 100),
    ("pasta-1", "Spaghetti, 16 oz", "Pasta", "Pantry", "Store brand", 1.29, "16 oz", 50),
    ("pasta-2", "Penne Rigate, 16 oz", "Pasta", "Pantry", "Roma", 1.99, "16 oz", 40),
    ("sauce-1", "Marinara Pasta Sauce, 24 oz", "Pasta Sauce", "Pantry", "Roma", 3.79, "24 oz", 30),
    ("parm-1", "Grated Parmesan, 8 oz", "Parmesan", "Dairy", "Roma", 4.99, "8 oz", 14),
    ("diaper-1", "Baby Diapers Size 3, 80 ct", "Diapers", "Baby", "Tiny", 24.99, "80 ct", 10),
    ("wipes-1", "Baby Wipes, 80 ct", "Baby Wipes", "Baby", "Tiny", 3.49, "80 ct", 25),
    ("shampoo-1", "Shampoo, 12 oz", "Shampoo", "Personal Care", "Silk", 5.49, "12 oz", 20),
    ("cond-1", "Conditioner, 12 oz", "Conditioner", "Personal Care", "Silk", 5.49, "12 oz", 20),
    ("wine-1", "Red Wine Cabernet, 750 ml", "Red Wine", "Wine", "Vineyard", 12.99, "750 ml", 9),
    ("gone-1", "Limited Edition Salsa, 16 oz", "Salsa", "Pantry", "Fiesta", 5.99, "16 oz", 0),
]

COLORS = {"wine-1": "Red"}   # only the wine has a colour: colour words filter only where they exist

PATTERNS = [  # baskets are drawn from these, so co-purchase has a known answer
    ["chips-1", "salsa-1", "sour-1"], ["chips-2", "salsa-1", "cheese-1"], ["chips-1", "salsa-2", "sour-1"],
    ["coffee-1", "filter-1", "creamer-1"], ["coffee-2", "filter-1", "milk-1"],
    ["pasta-1", "sauce-1", "parm-1"], ["pasta-2", "sauce-1", "parm-1"],
    ["diaper-1", "wipes-1"], ["cereal-1", "milk-1", "banana-1"], ["shampoo-1", "cond-1"],
    ["potato-1", "milk-1"], ["potato-2", "banana-1"],
]


def favourite(user: int) -> str:
    """The product shopper u<user> adds to most baskets, whatever else they buy."""
    others = [p[0] for p in PRODUCTS if p[0] != "gone-1"]
    return others[(user * 7) % len(others)]


def write_shop(folder: Path, baskets: int = 600, seed: int = 7) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    catalog, interactions = folder / "catalog.csv", folder / "interactions.csv"
    with open(catalog, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "title", "description", "category", "department", "brand", "price", "size", "color", "stock"])
        for pid, title, category, dept, brand, price, size, stock in PRODUCTS:
            w.writerow([pid, title, f"{category} in {dept}", category, dept, brand, price, size,
                        COLORS.get(pid, ""), stock])
    rng = random.Random(seed)
    others = [p[0] for p in PRODUCTS if p[0] != "gone-1"]
    start = dt.datetime(2026, 1, 1)
    with open(interactions, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["basket_id", "user_id", "product_id", "timestamp", "quantity"])
        for b in range(baskets):
            user = b % 40   # half of a shopper's baskets are their habit, and most hold their favourite
            items = list(PATTERNS[user % len(PATTERNS)] if rng.random() < 0.5 else rng.choice(PATTERNS))
            if rng.random() < 0.7:
                items.append(favourite(user))
            if rng.random() < 0.3:
                items.append(rng.choice(others))      # noise
            when = (start + dt.timedelta(hours=b)).isoformat()
            for pid in dict.fromkeys(items):
                w.writerow([f"b{b}", f"u{user}", pid, when, rng.randint(1, 3)])
    return catalog, interactions


def write_coupons(path: Path, today: dt.date) -> Path:
    """Coupons dated around `today`, one per status a shopper can meet."""
    d = lambda days: (today + dt.timedelta(days=days)).isoformat()
    path.write_text(f"""coupons:
  - {{code: SAVE10, description: 10% off a cart of $30 or more, discount: {{percent: 10}},
     conditions: {{min_subtotal: 30}}, valid_from: {d(-30)}, valid_until: {d(30)}, max_uses_per_shopper: 1}}
  - {{code: FIESTA2, description: $2 off tortilla chips or salsa, discount: {{amount: 2}}, applies_to: matching,
     conditions: {{items: {{categories: [Tortilla Chips, Salsa]}}}}, valid_from: {d(-30)}, valid_until: {d(30)}}}
  - {{code: COFFEE20, description: 20% off ground coffee, discount: {{percent: 20}}, applies_to: matching,
     conditions: {{items: {{categories: [Ground Coffee]}}}}, valid_from: {d(-30)}, valid_until: {d(30)}}}
  - {{code: OLD25, description: 25% off everything, discount: {{percent: 25}}, valid_from: {d(-90)},
     valid_until: {d(-1)}}}
  - {{code: SOON3, description: $3 off, discount: {{amount: 3}}, valid_from: {d(10)}, valid_until: {d(40)}}}
  - {{code: ONCE1, description: $1 off once for everyone, discount: {{amount: 1}}, valid_from: {d(-1)},
     valid_until: {d(30)}, max_uses_total: 1}}
""")
    return path


# Rasa's wait for an action call (cartwise.yml's 10 s, shorter so a test of a hung action server is quick).
ACTION_TIMEOUT_S = 5

# Test privacy rules: an order-number format that would otherwise be redacted as a phone number.
KEPT_ORDER_FORMAT = r"\bORD-\d{4}-\d{4}-\d{4}\b"


def _project_search(project: Path) -> dict:
    """The shipped need cues ("stuff for a party" is a need), shoppers' words ("crisps") and
    attribute words ("vegan")."""
    search = config.load(project / "cartwise.yml").section("recommender")["search"]
    return {"needs": list(search["needs"]), "synonyms": dict(search["synonyms"]),
            "attributes": dict(search["attributes"])}


def write_config(
    folder: Path,
    ports: dict[str, int],
    models_dir: Path,
    coupons: Path,
    catalog: Path,
    interactions: Path,
    max_wait_s: float = 300,
    endpoints: Path | None = None,
    review_db: str | None = None,
) -> Path:
    """A cartwise.yml for a test run: own ports, own state files, own review index and training-data files."""
    config = folder / "cartwise.yml"
    project = Path(__file__).resolve().parent.parent
    config.write_text(f"""recommender:
  host: 127.0.0.1
  port: {ports['recommender']}
  source: generic
  generic: {{catalog: {catalog}, interactions: {interactions}}}
  models_dir: {models_dir}
  coupons_file: {coupons}
  state_db: {folder / 'recommender.db'}
  cooccurrence: {{neighbours: 50, shrinkage: 2}}
  blend: {{tune: false}}   # 600 baskets are too few to choose weights on: tests see the configured blend
  index: {{neighbours: 20}}   # narrower than the 27 products, so complete-the-cart reads the table
  search: {json.dumps(_project_search(project))}
actions:
  port: {ports['actions']}
  recommender_url: http://127.0.0.1:{ports['recommender']}
  recommender_timeout_s: 2.0
  orders_db: {folder / 'orders.db'}
  identity_db: {folder / 'identity.db'}
  orders_seed: {project / 'shop' / 'data' / 'orders.yml'}
  popular_cache: {models_dir / 'popular.json'}
  console_url: http://127.0.0.1:{ports.get('console', 5090)}
rasa:
  port: {ports.get('rasa', 5005)}
  action_timeout_s: {ACTION_TIMEOUT_S}
shop:
  port: {ports.get('shop', 5080)}
  db: {folder / 'shop.db'}
  accounts_file: {folder / 'shop-accounts.txt'}
  rasa_url: http://127.0.0.1:{ports.get('rasa', 5005)}
  recommender_url: http://127.0.0.1:{ports['recommender']}
console:
  port: {ports.get('console', 5090)}
  db: {folder / 'console.db'}
  accounts_file: {folder / 'console-accounts.txt'}
  rasa_url: http://127.0.0.1:{ports.get('rasa', 5005)}
  recommender_url: http://127.0.0.1:{ports['recommender']}
  max_wait_s: {max_wait_s}
  review:
    endpoints: {endpoints or project / 'endpoints.yml'}
    db: {review_db or 'sqlite:///' + str(folder / 'review.db')}
    domain: {project / 'domain.yml'}
    data_dir: {project / 'data'}
    nlu_file: {folder / 'reviewed_nlu.yml'}
    stories_file: {folder / 'reviewed_stories.yml'}
    index_every_s: 0.5
    train_config: {project / 'config.yml'}
    model_dir: {folder / 'rasa-models'}
    model_name: reviewed
identity:
  secret_file: {folder / 'identity.key'}
privacy:
  keep: ['{KEPT_ORDER_FORMAT}']
""")
    return config
