# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Structural-fund money in Finland 2014–2020: three questions
#
# A worked example of esrgraph's results in researchers' tools: the official project list of the
# programme "Kestävää kasvua ja työtä 2014–2020" (2,881 rows) is built into a graph, and three
# questions are answered with the shipped named queries, through the Python API, into pandas.
#
# Run it as a script (`python docs/research/example.py OUT [CHART.png]`) or open it in Jupyter with
# jupytext. OUT is a build folder: when it holds no graph yet, the project list is built into it
# first (6 s). The list is read from `$ESRGRAPH_CORPUS`, else from `shared/corpus/` beside the
# checkout. The chart is written to CHART, by default next to OUT as `OUT-funding-by-year.png`.
# Amounts are EU and state funding in euros.

# %%
from __future__ import annotations

import os
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no window, no display needed
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

import esrgraph  # noqa: E402

pd.set_option("display.width", 120)
pd.set_option("display.max_colwidth", 50)

CORPUS_NAME = "projektilista-2014-2020.csv"


def corpus_path() -> Path:
    """The project list: $ESRGRAPH_CORPUS, else shared/corpus/ beside the checkout (or above the working folder)."""
    if os.environ.get("ESRGRAPH_CORPUS"):
        return Path(os.environ["ESRGRAPH_CORPUS"])
    here = Path(globals().get("__file__", Path.cwd() / "example.py")).resolve().parent
    for folder in (here, *here.parents, Path.cwd(), *Path.cwd().parents):
        candidate = folder / "shared" / "corpus" / CORPUS_NAME
        if candidate.is_file():
            return candidate
    raise SystemExit(f"cannot find {CORPUS_NAME}: set ESRGRAPH_CORPUS to its path")


# Under Jupyter, sys.argv is the kernel's: take the defaults there.
args = sys.argv[1:] if Path(sys.argv[0]).name == "example.py" else []
OUT = Path(args[0]) if args else Path("research-build")
CHART = Path(args[1]) if len(args) > 1 else OUT.with_name(f"{OUT.name}-funding-by-year.png")

if not (OUT / "esrgraph.ttl").is_file():
    # Rows the parser cannot read are quarantined (OUT/quarantine/reasons.csv); the rest are built.
    result = esrgraph.run_build([corpus_path()], out_dir=OUT)
    esrgraph.write_outputs(result, OUT)

store = esrgraph.open_graph(OUT)  # opened once, asked many questions


def euros_m(series: pd.Series) -> pd.Series:
    """Euros as millions, rounded for the printed tables (the frames keep full euros)."""
    return (series / 1e6).round(1)


# %% [markdown]
# ## 1. How much of the granted funding had been realised, per fund?
#
# `funding-by-fund` sums the granted and the realised EU and state funding per fund (ESR: the social
# fund; EAKR: the regional development fund). The list is a 2016 snapshot, so most projects were
# still running: the realised share says how far the money had been paid out.

# %%
by_fund = esrgraph.query(store, name="funding-by-fund").to_pandas()
by_fund["realisedShare"] = by_fund["realisedTotal"] / by_fund["grantedTotal"]
print("1. Granted and realised funding per fund (million euros)")
print(pd.DataFrame({
    "fund": by_fund["fundCode"],
    "projects": by_fund["projects"],
    "granted": euros_m(by_fund["grantedTotal"]),
    "realised": euros_m(by_fund["realisedTotal"]),
    "realised %": (100 * by_fund["realisedShare"]).round(1),
}).to_string(index=False))
print()

# %% [markdown]
# ## 2. How does the funding spread over the years?
#
# `funding-by-year` groups the projects by the year they were planned to start. Each year's share of
# all granted funding shows when the programme committed its money.

# %%
by_year = esrgraph.query(store, name="funding-by-year").to_pandas()
by_year["share"] = by_year["grantedTotal"] / by_year["grantedTotal"].sum()
print("2. Granted funding by planned start year (million euros)")
print(pd.DataFrame({
    "year": by_year["year"],
    "projects": by_year["projects"],
    "granted": euros_m(by_year["grantedTotal"]),
    "share %": (100 * by_year["share"]).round(1),
}).to_string(index=False))
print()

# %% [markdown]
# ## 3. How concentrated is the funding among beneficiaries?
#
# `largest-beneficiaries` ranks the applicant organisations by the granted funding of the projects
# they lead. The ten largest's share of all granted funding measures the concentration.

# %%
beneficiaries = esrgraph.query(store, name="largest-beneficiaries").to_pandas()
top10 = beneficiaries.head(10)
total_granted = by_fund["grantedTotal"].sum()  # every project has one fund
top10_share = top10["grantedTotal"].sum() / total_granted
print("3. The ten largest beneficiaries (million euros)")
print(pd.DataFrame({
    "organisation": top10["name"],
    "projects": top10["projects"],
    "granted": euros_m(top10["grantedTotal"]),
}).to_string(index=False))
print(f"The ten largest beneficiaries lead {int(top10['projects'].sum())} projects and hold "
      f"{100 * top10_share:.1f} % of all granted funding ({total_granted / 1e6:.1f} million euros).")
print()

# %% [markdown]
# ## The chart: granted funding by planned start year
#
# Bars per year, with the number of projects on each bar; written as PNG to CHART.

# %%
figure, axes = plt.subplots(figsize=(8, 4.5), dpi=100)
bars = axes.bar(by_year["year"].astype(str), by_year["grantedTotal"].astype(float) / 1e6, color="#2c6e9b")
axes.bar_label(bars, labels=[f"{n} projects" for n in by_year["projects"]], fontsize=8, padding=2)
axes.set_xlabel("planned start year")
axes.set_ylabel("granted EU and state funding (million €)")
axes.set_title("ESR and EAKR projects 2014–2020: granted funding by start year")
axes.spines[["top", "right"]].set_visible(False)
figure.tight_layout()
CHART.parent.mkdir(parents=True, exist_ok=True)
figure.savefig(CHART, format="png", metadata={"Software": None})  # no version stamp: same data, same file
plt.close(figure)
print(f"chart: {CHART}")
