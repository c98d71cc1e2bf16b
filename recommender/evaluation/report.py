"""The evaluation report: markdown tables and a recall-vs-k plot per dataset."""
from __future__ import annotations

from pathlib import Path

from ..markdown import markdown_table

METHOD_ORDER = ("popularity", "buy_again", "user_knn", "item_knn", "ease", "content", "blend")


def _weights(weights: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:g}" for k, v in weights.items() if v)


def tables(results: dict) -> str:
    d = results["dataset"]
    out = [f"## {d['name']}: {d['items']:,} items, {d['users_tested']:,} users ({results['machine']}, "
           f"{results['seconds']:.0f} s)"]
    nb = results["next_basket"]
    out += ["", f"Next basket (last basket of each user; blend weights from validation: {_weights(nb['weights'])})", "",
            markdown_table(["method", "Recall@10", "Recall@20", "NDCG@10", "HitRate@10", "Recall@10 repeat",
                    "Recall@10 new", "coverage@10"],
                   [[m, *(nb["methods"][m][k] for k in ("recall@10", "recall@20", "ndcg@10", "hit@10",
                                                          "recall@10_repeat", "recall@10_new", "coverage@10"))]
                    for m in METHOD_ORDER])]
    bc = results["basket_completion"]
    out += ["", f"Basket completion ({bc['cases']:,} carts, one item hidden; weights: {_weights(bc['weights'])})", "",
            markdown_table(["method", "HitRate@10", "MRR", "coverage@10", "in-cart share"],
                   [[m, *(bc["methods"][m][k] for k in ("hit@10", "mrr", "coverage@10", "in_cart_share"))]
                    for m in METHOD_ORDER])]
    if "content_search" in results:
        cs = results["content_search"]
        out += ["", f"Content search ({cs['queries']} held-out aisle names as queries over {cs['items']:,} "
                    "product names)", "",
                markdown_table(["method", "NDCG@10", "Recall@50"],
                       [[m, v["ndcg@10"], v["recall@50"]] for m, v in cs["methods"].items()])]
    return "\n".join(out) + "\n"


def write(folder: Path, results: dict) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, (key, title, ylabel) in zip(axes, [("next_basket", "Next basket", "Recall@K"),
                                               ("basket_completion", "Basket completion", "HitRate@K")]):
        for method in METHOD_ORDER:
            curve = results[key]["methods"][method]["curve"]
            ks = [int(k) for k in curve]
            ax.plot(ks, list(curve.values()), marker="o", markersize=3, label=method,
                    linewidth=2.5 if method == "blend" else 1.2)
        ax.set(title=f"{results['dataset']['name']}: {title}", xlabel="K", ylabel=ylabel)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(folder / "recall_vs_k.png", dpi=110)
    plt.close(fig)
    (folder / "report.md").write_text(
        f"# Recommender evaluation\n\n{tables(results)}\n![recall vs K](recall_vs_k.png)\n"
    )
