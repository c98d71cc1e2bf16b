"""The recommender's typed view of its section of cartwise.yml (the one configuration file)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from cartwise import config
from cartwise.money import Currency, load_currency

from .embeddings import BACKENDS, MODEL_MAX_TOKENS


@dataclass(frozen=True)
class BlendWeights:
    cooccurrence: float = 0.65
    content: float = 0.25
    popularity: float = 0.10
    same_category_factor: float = 0.3   # complete-the-cart wants complements, not substitutes
    complements_first: int = 5          # places at the top for complements only (0: none)
    buy_again: float = 0.0              # the shopper's own history: 0 for guests; the build tunes it
    collaborative: float = 0.0          # what goes with that history: 0 for guests; the build tunes it

    def __post_init__(self) -> None:
        values = (self.cooccurrence, self.content, self.popularity, self.buy_again, self.collaborative)
        if any(v < 0 for v in values) or sum(values) <= 0:
            raise ValueError(f"blend weights must be >= 0 and not all zero, got {values}")
        if not 0 <= self.same_category_factor <= 1:
            raise ValueError("blend.same_category_factor must be between 0 and 1")
        if self.complements_first < 0:
            raise ValueError("blend.complements_first must be 0 or more")

    @property
    def personal(self) -> bool:
        """Whether a signed-in shopper's history counts in this blend."""
        return bool(self.buy_again or self.collaborative)


@dataclass(frozen=True)
class IndexSettings:
    exact_max_items: int = 20_000   # exact single-query p99 ~3 ms at 10k, ~27 ms at 100k (benchmarks/index_scale.py)
    hnsw_m: int = 32
    hnsw_ef_search: int = 96
    hnsw_storage: str = "sq8"       # "sq8": 8-bit codes + exact re-rank (a quarter of the memory); "flat": float32
    rerank: int = 4                 # a quantised index fetches this many times k candidates to re-rank
    neighbours: int = 40            # content neighbours stored per product for complete-the-cart

    def __post_init__(self) -> None:
        if self.neighbours < 1:
            raise ValueError("index.neighbours must be at least 1")
        if self.hnsw_storage not in ("sq8", "flat"):
            raise ValueError(f"index.hnsw_storage must be 'sq8' or 'flat', got {self.hnsw_storage!r}")


@dataclass(frozen=True)
class EmbeddingSettings:
    """How product texts become vectors (embeddings.py, encoder_runtime.py)."""
    batch_size: int = 32                 # fastest on 2 cores (make bench-embed)
    backend: str = "openvino"            # torch | openvino | openvino-int8 (embeddings.py)
    max_tokens: int = 256                # word pieces embedded per text (the model's own cap is 256)
    calibration_texts: int = 600         # the shop's texts an int8 model is calibrated on
    check_texts: int = 1000              # texts each build compares with torch before embedding
    min_cosine: float = 0.99             # ... and the worst it accepts; below it, recalibrate, then fp32

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"embedding.backend must be one of {', '.join(BACKENDS)}, got {self.backend!r}")
        if not 8 <= self.max_tokens <= MODEL_MAX_TOKENS:
            raise ValueError(f"embedding.max_tokens must be between 8 and {MODEL_MAX_TOKENS}, got {self.max_tokens}")
        if self.batch_size < 1 or self.calibration_texts < 1 or self.check_texts < 0:
            raise ValueError("embedding.batch_size and calibration_texts must be at least 1, check_texts 0 or more")
        if not 0 < self.min_cosine <= 1:
            raise ValueError("embedding.min_cosine must be in (0, 1]")


COPURCHASE_MODELS = ("cosine", "ease")


@dataclass(frozen=True)
class CoPurchaseSettings:
    """The "often bought together" table (cooccurrence.py). `model: auto` lets the build choose
    cosine or EASE on the shop's validation baskets, with the blend's weights; without tuning,
    auto means cosine (the cheaper fit)."""
    model: str = "auto"
    neighbours: int = 100           # kept per item
    shrinkage: float = 10.0         # cosine: damps similarities backed by few shared baskets
    ease_lambda: float = 200.0      # EASE's L2 penalty (as the evaluation harness's)
    ease_max_items: int = 8000      # EASE's Gram matrix is dense: at 8,000 items about 1 GB while fitting

    def __post_init__(self) -> None:
        if self.model not in ("auto", *COPURCHASE_MODELS):
            raise ValueError(f"cooccurrence.model must be auto, cosine or ease, got {self.model!r}")
        if self.neighbours < 1 or self.ease_max_items < 2 or self.ease_lambda <= 0:
            raise ValueError("cooccurrence.neighbours must be >= 1, ease_max_items >= 2 and ease_lambda > 0")

    def candidates(self, tune: bool) -> tuple[str, ...]:
        """The models a build tries (the first is the one kept unless another beats it)."""
        if self.model != "auto":
            return (self.model,)
        return COPURCHASE_MODELS if tune else COPURCHASE_MODELS[:1]


@dataclass(frozen=True)
class BuildEngine:
    """Where the build's basket-line steps run (distributed.py): "local", in the build's process, or
    "dask", as tasks on a Dask cluster (`scheduler`'s address) or, with none, on a local cluster of
    `workers` processes. On either engine the quality check runs on a sample of shoppers of at
    most `check_lines` lines (all of them when there are fewer; evaluation.splits.check_sample). The
    local engine makes the co-purchase counts for a range of baskets, and the shoppers' histories
    for a range of shoppers, of about `part_lines` lines at a time (cooccurrence.basket_co_counts,
    evaluation.splits.histories_by_parts)."""
    engine: str = "local"
    scheduler: str | None = None
    workers: int = 2
    check_lines: int = 5_000_000
    part_lines: int = 5_000_000
    connect_timeout_s: float = 20.0

    def __post_init__(self) -> None:
        if self.engine not in ("local", "dask"):
            raise ValueError(f"build.engine must be 'local' or 'dask', got {self.engine!r}")
        if self.workers < 1 or self.check_lines < 1 or self.part_lines < 1:
            raise ValueError("build.workers, build.check_lines and build.part_lines must be at least 1")


@dataclass(frozen=True)
class Limits:
    max_cart_items: int = 200
    max_results: int = 50
    max_text_chars: int = 2000


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 5070
    source: str = "completejourney"
    cj_min_baskets: int = 20
    cj_coupon_year_shift: int = 0
    generic_catalog: Path | None = None
    generic_interactions: Path | None = None
    generic_timestamp_format: str | None = None   # strptime codes; None: ISO 8601 only
    generic_order_lines: Path | None = None        # one order-lines export instead of the two tables
    generic_columns: dict[str, str] = field(default_factory=dict)   # Cartwise's name -> the file's header
    generic_sheet: str | int | None = None         # a workbook's sheet (default: the first)
    generic_not_products: str | None = None        # product ids that are postage, fees, adjustments (regex)
    generic_cancelled_baskets: str | None = None   # basket ids of cancelled orders (regex)
    generic_product_types: Path | None = None      # the owner's corrections: a table of id, category
    models_dir: Path = Path("models/recommender")
    coupons_file: Path = Path("shop/data/coupons.yml")
    state_db: Path = Path("var/recommender.db")
    embedding: EmbeddingSettings = field(default_factory=EmbeddingSettings)
    index: IndexSettings = field(default_factory=IndexSettings)
    copurchase: CoPurchaseSettings = field(default_factory=CoPurchaseSettings)
    blend: BlendWeights = field(default_factory=BlendWeights)
    tune_blend: bool = True     # the build chooses the blend's weights on this shop's own baskets
    build: BuildEngine = field(default_factory=BuildEngine)
    fuzzy_min_score: float = 0.5
    limits: Limits = field(default_factory=Limits)
    # Words about a product ("gluten free", "organic"): name -> regular expression, matched in the
    # query and in product text. A filter where the catalog shows the word, else said to be unchecked.
    attributes: dict[str, str] = field(default_factory=dict)
    # Patterns that make a query a need or occasion ("ingredients for tacos"): its first page is
    # spread over product types. Matched in the query only (Python's re).
    needs: tuple[str, ...] = ()
    # Shoppers' words -> the catalog's ("nappies": diapers), used where the catalog lacks the first.
    synonyms: dict[str, str] = field(default_factory=dict)
    currency: Currency = field(default_factory=Currency)   # the shop's (top-level `currency:`)


def embedding_settings(raw: dict, path: Path) -> EmbeddingSettings:
    try:
        return EmbeddingSettings(**raw)
    except (TypeError, ValueError) as exc:   # an unknown key or a value out of range
        raise config.ConfigError(f"{path}: recommender.embedding: {exc}") from exc


def build_engine(raw: dict, path: Path) -> BuildEngine:
    if "history_part_lines" in raw:   # its name until the co-purchase counts were made in parts too
        raise config.ConfigError(f"{path}: recommender.build.history_part_lines is now `part_lines` (it sizes the "
                                 "co-purchase counts' parts as well as the histories')")
    try:
        return BuildEngine(**raw)
    except (TypeError, ValueError) as exc:   # an unknown key or a value out of range
        raise config.ConfigError(f"{path}: recommender.build: {exc}") from exc


def copurchase_settings(raw: dict, path: Path) -> CoPurchaseSettings:
    try:
        return CoPurchaseSettings(**raw)
    except (TypeError, ValueError) as exc:   # an unknown key or a value out of range
        raise config.ConfigError(f"{path}: recommender.cooccurrence: {exc}") from exc


def load_settings(path: Path | None = None) -> Settings:
    file = config.load(path)
    raw = file.section("recommender")

    def rel(value: str | None) -> Path | None:
        return None if value is None else file.resolve(value)

    generic = raw.get("generic", {})
    cj = raw.get("completejourney", {})
    cooc = raw.get("cooccurrence", {})
    if "neighbors" in cooc:   # the key's spelling before it matched index.neighbours
        raise config.ConfigError(f"{file.path}: recommender.cooccurrence.neighbors is now spelled `neighbours`")
    return Settings(
        host=raw.get("host", "127.0.0.1"),
        port=int(raw.get("port", 5070)),
        source=raw.get("source", "completejourney"),
        cj_min_baskets=int(cj.get("min_baskets", 20)),
        cj_coupon_year_shift=int(cj.get("coupon_year_shift", 0)),
        generic_catalog=rel(generic.get("catalog")),
        generic_interactions=rel(generic.get("interactions")),
        generic_timestamp_format=generic.get("timestamp_format"),
        generic_order_lines=rel(generic.get("order_lines")),
        generic_columns=column_mapping(generic.get("columns") or {}, file.path),
        generic_sheet=generic.get("sheet"),
        generic_product_types=rel(generic.get("product_types")),
        generic_not_products=checked_pattern(generic.get("not_products"), "generic.not_products", file.path),
        generic_cancelled_baskets=checked_pattern(generic.get("cancelled_baskets"), "generic.cancelled_baskets",
                                                  file.path),
        models_dir=rel(raw.get("models_dir", "models/recommender")),
        coupons_file=rel(raw.get("coupons_file", "shop/data/coupons.yml")),
        state_db=rel(raw.get("state_db", "var/recommender.db")),
        embedding=embedding_settings(raw.get("embedding") or {}, file.path),
        index=IndexSettings(**raw.get("index", {})),
        copurchase=copurchase_settings(cooc, file.path),
        blend=BlendWeights(**{k: v for k, v in (raw.get("blend") or {}).items() if k != "tune"}),
        tune_blend=bool((raw.get("blend") or {}).get("tune", True)),
        build=build_engine(raw.get("build") or {}, file.path),
        fuzzy_min_score=float(raw.get("mentions", {}).get("fuzzy_min_score", 0.5)),
        limits=Limits(**raw.get("limits", {})),
        attributes=attribute_patterns(raw.get("search", {}).get("attributes") or {}, file.path),
        needs=need_patterns(raw.get("search", {}).get("needs") or [], file.path),
        synonyms=synonym_pairs(raw.get("search", {}).get("synonyms") or {}, file.path),
        currency=load_currency(file),
    )


def column_mapping(raw: dict, where: Path) -> dict[str, str]:
    """recommender.generic.columns: Cartwise's column name -> the header in the shop's file."""
    if not isinstance(raw, dict) or not all(isinstance(v, (str, int)) for v in raw.values()):
        raise config.ConfigError(f"{where}: recommender.generic.columns must map Cartwise's column names to "
                                 "your file's headers, e.g. {basket_id: InvoiceNo, product_id: StockCode}")
    return {str(k): str(v) for k, v in raw.items()}


def checked_pattern(pattern: str | None, name: str, where: Path) -> str | None:
    if pattern is None:
        return None
    try:
        re.compile(str(pattern))
    except re.error as error:
        raise config.ConfigError(f"{where}: recommender.{name}: {error}") from error
    return str(pattern)


def attribute_patterns(raw: dict, where: Path) -> dict[str, str]:
    """recommender.search.attributes, each pattern checked here so a typo fails at start, named. Both
    engines that run them must accept it: Python's (the query) and Arrow's RE2 (the catalog)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    patterns = {}
    for name, pattern in raw.items():
        try:
            re.compile(str(pattern))
            pc.match_substring_regex(pa.array([""]), str(pattern))
        except (re.error, pa.ArrowInvalid) as error:
            raise config.ConfigError(f"{where}: recommender.search.attributes.{name}: {error}") from error
        patterns[str(name)] = str(pattern)
    return patterns


def synonym_pairs(raw: dict, where: Path) -> dict[str, str]:
    """recommender.search.synonyms: the shopper's words -> the catalog's, both plain text."""
    if not isinstance(raw, dict) or not all(isinstance(k, str) and isinstance(v, str) and k.strip() and v.strip()
                                            for k, v in raw.items()):
        raise config.ConfigError(f"{where}: recommender.search.synonyms must map a shopper's words to the "
                                 "catalog's, e.g. {nappies: diapers, kitchen roll: paper towels}")
    return {k.strip(): v.strip() for k, v in raw.items()}


def need_patterns(raw: list, where: Path) -> tuple[str, ...]:
    """recommender.search.needs: a list of regular expressions, each checked here."""
    if not isinstance(raw, list):
        raise config.ConfigError(f"{where}: recommender.search.needs must be a list of patterns")
    return tuple(checked_pattern(pattern, f"search.needs[{i}]", where) for i, pattern in enumerate(raw))
