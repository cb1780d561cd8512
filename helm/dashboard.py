"""The provider's Grafana dashboard, as code (grafana-foundation-sdk), generated into the chart.

One dashboard, five rows: the market the operator sees (deals by phase, ComputeUnits by state,
workers ready), the operator's own health (reconcile latency and errors), the workers' particles
(received, forwarded, rejections by reason, AIR interpretation and local call latency), their
Marine services (call latency, outcomes, fuel) and the epochs the operator closes (proofs by
outcome, rewards and slashes, processing samples by verdict, deal balances and charges, close
time, commitments by phase, and the provers' hash rate and proofs). Every query names only
metrics the code exports; tests/helm run each against a real Prometheus scraping a running deal
on a cluster with epochs on.

Run: .venv/bin/python helm/dashboard.py  (writes helm/cloudless/dashboards/cloudless.json;
tests/helm/test_monitoring_files.py fails when the file and this code disagree).
"""

from __future__ import annotations

import json
import pathlib
from dataclasses import dataclass

from grafana_foundation_sdk.builders import dashboard, prometheus, stat, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import DataSourceRef

OUTPUT = pathlib.Path(__file__).resolve().parent / "cloudless" / "dashboards" / "cloudless.json"
UID = "cloudless-provider"
DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")
RATE = "$__rate_interval"
"""Grafana's rate window (at least four scrape intervals); tests substitute a fixed window."""


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str


@dataclass(frozen=True)
class Panel:
    title: str
    description: str
    unit: str
    queries: tuple[Query, ...]
    kind: str = "timeseries"


def quantiles(histogram: str, by: str, legend: str) -> tuple[Query, ...]:
    """p50 and p99 of a histogram over the rate window, per `by` labels."""
    return tuple(
        Query(
            f"histogram_quantile({q}, sum by (le{', ' + by if by else ''}) (rate({histogram}_bucket[{RATE}])))",
            f"p{int(q * 100)} {legend}".strip(),
        )
        for q in (0.5, 0.99)
    )


def zero_filled(counter: str, by: str, fill: str, fill_by: str) -> str:
    """`rate(counter)` by labels, with zero for every `fill_by` series of `fill`: a counter whose labels appear
    only on the first event (an error) otherwise shows "no data" where the truth is "none"."""
    return f"sum by ({by}) (rate({counter}[{RATE}])) or sum by ({fill_by}) (rate({fill}[{RATE}])) * 0"


LAST_EPOCH = "cloudless_operator_epoch"
"""The last epoch closed into the ledger (a gauge): its growth over a window counts the epochs closed in it."""


def per_epoch(counter: str, by: str) -> str:
    """What `counter` grew by per epoch closed within the rate window, per `by` labels: the operator counts
    at epoch closes only, so this is the average of its last closes (no data while no epoch closed)."""
    grouped = f"sum by ({by})" if by else "sum"
    return f"{grouped} (increase({counter}[{RATE}])) / scalar(max(delta({LAST_EPOCH}[{RATE}])))"


ROWS: tuple[tuple[str, tuple[Panel, ...]], ...] = (
    (
        "Market",
        (
            Panel(
                "Deals by phase",
                "Deals by the phase the operator last wrote (ACTIVE, NOT_ENOUGH_WORKERS, SMALL_BALANCE, ...).",
                "short",
                (Query("sum by (phase) (cloudless_operator_deals)", "{{phase}}"),),
                kind="stat",
            ),
            Panel(
                "ComputeUnits by state",
                "The provider's units: Free to match, Reserved by a deal, Unavailable.",
                "short",
                (Query("sum by (state) (cloudless_operator_computeunits)", "{{state}}"),),
                kind="stat",
            ),
            Panel(
                "Workers ready",
                "Ready workers of each deal's subnet.",
                "short",
                (Query("sum by (namespace, subnet) (cloudless_operator_workers_ready)", "{{namespace}}/{{subnet}}"),),
            ),
        ),
    ),
    (
        "Operator",
        (
            Panel(
                "Operator up",
                "Whether Prometheus reaches the operator's metrics endpoint.",
                "short",
                (Query('up{job="cloudless-operator"}', "{{pod}}"),),
                kind="stat",
            ),
            Panel(
                "Reconcile latency",
                "Time of one reconcile, by kind of object.",
                "s",
                quantiles("cloudless_operator_reconcile_duration_seconds", "kind", "{{kind}}"),
            ),
            Panel(
                "Reconcile errors",
                "Reconciles that raised, by kind and error class (0 while there are none).",
                "ops",
                (
                    Query(
                        zero_filled(
                            "cloudless_operator_reconcile_errors_total",
                            "kind, reason",
                            "cloudless_operator_reconcile_duration_seconds_count",
                            "kind",
                        ),
                        "{{kind}} {{reason}}",
                    ),
                ),
            ),
        ),
    ),
    (
        "Particles",
        (
            Panel(
                "Particles per second",
                "Particles arriving at the routers, from peers or client sessions.",
                "ops",
                (Query(f"sum by (via) (rate(cloudless_router_particles_received_total[{RATE}]))", "{{via}}"),),
            ),
            Panel(
                "Particles forwarded",
                "Particles handed on to another peer or pushed to a client.",
                "ops",
                (Query(f"sum by (to) (rate(cloudless_router_particles_forwarded_total[{RATE}]))", "{{to}}"),),
            ),
            Panel(
                "Rejections by reason",
                "Particles refused before running (malformed, expired, bad_signature, ...).",
                "ops",
                (Query(f"sum by (reason) (rate(cloudless_router_particles_rejected_total[{RATE}]))", "{{reason}}"),),
            ),
            Panel(
                "AIR interpretation latency",
                "Time of one AIR engine run on a particle.",
                "s",
                quantiles("cloudless_router_interpretation_duration_seconds", "", ""),
            ),
            Panel(
                "Local call latency",
                "Time to serve one call request: a builtin, or a Marine service through the runtime.",
                "s",
                quantiles("cloudless_router_call_duration_seconds", "kind", "{{kind}}"),
            ),
        ),
    ),
    (
        "Marine services",
        (
            Panel(
                "Marine call latency",
                "Time of one Marine call, receipt signing included, by service and function.",
                "s",
                quantiles("cloudless_runtime_marine_call_duration_seconds", "service, function", "{{function}}"),
            ),
            Panel(
                "Marine calls by outcome",
                "Calls per second: ok, or the Marine error's kind.",
                "ops",
                (Query(f"sum by (outcome) (rate(cloudless_runtime_marine_calls_total[{RATE}]))", "{{outcome}}"),),
            ),
            Panel(
                "Fuel used",
                "Wasm fuel per second used by successful calls, by service and function.",
                "short",
                (
                    Query(
                        f"sum by (service, function) (rate(cloudless_runtime_marine_fuel_used_total[{RATE}]))",
                        "{{function}}",
                    ),
                ),
            ),
        ),
    ),
    (
        "Epochs",
        (
            Panel(
                "Last closed epoch",
                "The epoch at the ledger's head: every epoch before it is settled and signed.",
                "none",
                (Query(f"max({LAST_EPOCH})", "epoch"),),
                kind="stat",
            ),
            Panel(
                "Commitments by phase",
                "CapacityCommitments by the ledger's phase (WaitDelegation, WaitStart, Active, Failed, ...).",
                "short",
                (Query("sum by (phase) (cloudless_operator_commitments)", "{{phase}}"),),
                kind="stat",
            ),
            Panel(
                "Epoch close time",
                "Time one close took: gathering proofs, samples and deals, settling, appending the signed record.",
                "s",
                quantiles("cloudless_operator_epoch_close_duration_seconds", "", ""),
            ),
            Panel(
                "Prover hash rate",
                "Puzzle hashes per second of each idle unit's prover (one pod per unit, prover-<unit>).",
                "short",
                (Query("sum by (pod) (cloudless_prover_hash_rate)", "{{pod}}"),),
            ),
            Panel(
                "Proofs found",
                "Proofs each prover found, signed and filed for the next close, per second.",
                "ops",
                (Query(f"sum by (pod) (rate(cloudless_prover_proofs_total[{RATE}]))", "{{pod}}"),),
            ),
            Panel(
                "Capacity proofs per epoch",
                "Proofs of idle units judged per close: accepted, dropped (over the maximum), or the rejection reason.",
                "short",
                (Query(per_epoch("cloudless_operator_proofs_total", "outcome"), "{{outcome}}"),),
            ),
            Panel(
                "Rewards and slashes per epoch",
                "Reward tokens distributed to units that proved, and collateral slashed for missed proofs or failed"
                " processing samples, per close.",
                "short",
                (
                    Query(per_epoch("cloudless_operator_rewards_total", ""), "rewards"),
                    Query(per_epoch("cloudless_operator_slashes_total", "kind"), "slashed: {{kind}}"),
                ),
            ),
            Panel(
                "Processing samples per epoch",
                "Executed particle steps re-verified per close, by verdict (ok, bad_signature, trace_mismatch, ...).",
                "short",
                (Query(per_epoch("cloudless_operator_samples_total", "verdict"), "{{verdict}}"),),
            ),
            Panel(
                "Deal balances",
                "Each deal's prepaid balance after the last closed epoch (USDC).",
                "short",
                (Query("sum by (namespace, deal) (cloudless_operator_deal_balance)", "{{namespace}}/{{deal}}"),),
            ),
            Panel(
                "Deal charges per epoch",
                "What each deal paid per close: price x serving workers while it has at least minWorkers (USDC).",
                "short",
                (
                    Query(
                        per_epoch("cloudless_operator_deal_charges_total", "namespace, deal"), "{{namespace}}/{{deal}}"
                    ),
                ),
            ),
        ),
    ),
)


def _panel(panel: Panel) -> stat.Panel | timeseries.Panel:
    built = (stat.Panel() if panel.kind == "stat" else timeseries.Panel()).title(panel.title)
    built = built.description(panel.description).unit(panel.unit).datasource(DATASOURCE).height(8).span(8)
    for ref, query in zip("ABCDEFGH", panel.queries, strict=False):
        built = built.with_target(
            prometheus.Dataquery().expr(query.expr).legend_format(query.legend).ref_id(ref).datasource(DATASOURCE)
        )
    return built


def build() -> dashboard.Dashboard:
    board = (
        dashboard.Dashboard("cloudless provider")
        .uid(UID)
        .tags(["cloudless"])
        .description("Deals, ComputeUnits, workers, particles, Marine services and epochs of a cloudless provider.")
        .refresh("30s")
        .time("now-1h", "now")
        .timezone("browser")
        .with_variable(dashboard.DatasourceVariable("datasource").label("Data source").type("prometheus"))
    )
    ids = iter(range(1, 1000))  # Grafana wants ids unique within a dashboard; stable ones keep the JSON stable
    for title, panels in ROWS:
        board = board.with_row(dashboard.Row(title).id(next(ids)))
        for panel in panels:
            board = board.with_panel(_panel(panel).id(next(ids)))
    return board


def render() -> str:
    """The dashboard JSON exactly as the chart ships it."""
    return json.dumps(json.loads(JSONEncoder(sort_keys=True).encode(build().build())), indent=2, sort_keys=True) + "\n"


def main() -> None:
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(render())


if __name__ == "__main__":
    main()
