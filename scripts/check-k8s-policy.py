#!/usr/bin/env python3
"""Policies every rendered overlay of k8s/ must follow (scripts/check-k8s).

Schema validation (kubernetes-validate) says the manifests are well formed;
this says they are the deployment the docs describe: restricted pods with
requests, limits, probes, labels and spread; a disruption budget for every
workload; no replica count where an autoscaler owns it; gentle gateway
scale-down; termination grace above the drain; NATS and Redis reachable only
from Roomcast's pods; and alerts and dashboards that name only metrics the
code exports.

Usage: check-k8s-policy.py RENDERED.yaml...
"""

import json
import pathlib
import re
import sys
import tomllib

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
LABELS = [
    "app.kubernetes.io/name",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/instance",
]
ROLES = ["gateway", "control", "moderator"]
errors = []


def fail(where, what):
    errors.append(f"{where}: {what}")


def matches(selector, labels):
    return all(labels.get(k) == v for k, v in (selector or {}).get("matchLabels", {}).items())


def exported_metrics():
    """Every `roomcast_*` metric name the Rust code defines."""
    names = set()
    for path in (ROOT / "crates").rglob("*.rs"):
        names.update(re.findall(r'"(roomcast_[a-z_]+)"', path.read_text()))
    return names


def check_metric_names(where, text, exported):
    for name in set(re.findall(r"\broomcast_[a-z_]+", text)):
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        if name not in exported and base not in exported:
            fail(where, f"names metric {name}, which the code does not export")


def check_workload(where, obj, docs):
    spec = obj["spec"]
    pod = spec["template"]["spec"]
    labels = spec["template"]["metadata"].get("labels", {})
    for label in LABELS:
        if label not in labels:
            fail(where, f"pod template lacks label {label}")
    if pod.get("automountServiceAccountToken") is not False:
        fail(where, "automountServiceAccountToken must be false")
    if pod.get("enableServiceLinks") is not False:
        fail(where, "enableServiceLinks must be false")
    psc = pod.get("securityContext", {})
    if psc.get("runAsNonRoot") is not True or psc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        fail(where, "pod securityContext needs runAsNonRoot and seccompProfile RuntimeDefault")
    if not pod.get("topologySpreadConstraints"):
        fail(where, "no topologySpreadConstraints")
    for c in pod.get("initContainers", []) + pod["containers"]:
        cw = f"{where} container {c['name']}"
        sc = c.get("securityContext", {})
        if (
            sc.get("allowPrivilegeEscalation") is not False
            or sc.get("readOnlyRootFilesystem") is not True
            or sc.get("capabilities", {}).get("drop") != ["ALL"]
        ):
            fail(cw, "securityContext must drop ALL capabilities, forbid privilege escalation, read-only root")
        res = c.get("resources", {})
        for kind in ("requests", "limits"):
            for r in ("cpu", "memory"):
                if r not in res.get(kind, {}):
                    fail(cw, f"no {kind}.{r}")
    for c in pod["containers"]:
        cw = f"{where} container {c['name']}"
        if "livenessProbe" not in c or "readinessProbe" not in c:
            fail(cw, "needs liveness and readiness probes")
        if c["name"] == "roomcast":
            if c["livenessProbe"].get("httpGet", {}).get("path") != "/healthz":
                fail(cw, "liveness must be GET /healthz")
            if c["readinessProbe"].get("httpGet", {}).get("path") != "/readyz":
                fail(cw, "readiness must be GET /readyz")
    pdbs = [
        d
        for d in docs
        if d["kind"] == "PodDisruptionBudget" and matches(d["spec"].get("selector"), labels)
    ]
    if not pdbs:
        fail(where, "no PodDisruptionBudget selects its pods")
    hpas = [
        d
        for d in docs
        if d["kind"] == "HorizontalPodAutoscaler"
        and d["spec"]["scaleTargetRef"]["kind"] == obj["kind"]
        and d["spec"]["scaleTargetRef"]["name"] == obj["metadata"]["name"]
    ]
    if hpas and "replicas" in spec:
        fail(where, "sets replicas although a HorizontalPodAutoscaler owns the count")
    if not hpas and spec.get("replicas", 1) < 2 and labels.get("app.kubernetes.io/component") in ("control",):
        fail(where, "room control needs at least two replicas")


def roomcast_config(docs):
    for d in docs:
        if d["kind"] == "ConfigMap" and "roomcast.toml" in d.get("data", {}):
            return tomllib.loads(d["data"]["roomcast.toml"])
    return None


def check_overlay(path, exported):
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    name = path.stem
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], []).append(d)
    for d in by_kind.get("Deployment", []) + by_kind.get("StatefulSet", []):
        check_workload(f"{name}: {d['kind']} {d['metadata']['name']}", d, docs)

    config = roomcast_config(docs)
    if config is None:
        fail(name, "no ConfigMap with roomcast.toml")
        return
    gw = config.get("gateway", {})
    server = config.get("server", {})
    drain_s = (server.get("shutdown_delay_ms", 0) + gw.get("drain_grace_ms", 10_000)) / 1000
    if gw.get("drain_spread_ms", 5_000) > gw.get("drain_grace_ms", 10_000):
        fail(name, "gateway.drain_spread_ms exceeds drain_grace_ms")
    deployments = {d["metadata"]["name"]: d for d in by_kind.get("Deployment", [])}
    gateway = deployments.get("roomcast-gateway")
    if gateway is None:
        fail(name, "no roomcast-gateway Deployment")
    else:
        grace = gateway["spec"]["template"]["spec"].get("terminationGracePeriodSeconds", 30)
        if grace <= drain_s + 5:
            fail(name, f"gateway terminationGracePeriodSeconds {grace} must exceed delay + drain + stop ({drain_s + 5:g} s)")
    hpa = next((h for h in by_kind.get("HorizontalPodAutoscaler", []) if h["metadata"]["name"] == "roomcast-gateway"), None)
    if hpa is None:
        fail(name, "no gateway HorizontalPodAutoscaler")
    else:
        metrics = hpa["spec"]["metrics"]
        if not any(m["type"] in ("Pods", "External", "Object") for m in metrics):
            fail(name, "gateway HPA does not scale on connections")
        if not any(m["type"] == "Resource" and m["resource"]["name"] == "cpu" for m in metrics):
            fail(name, "gateway HPA has no CPU fallback")
        down = hpa["spec"].get("behavior", {}).get("scaleDown", {})
        if down.get("stabilizationWindowSeconds", 0) < 300 or any(
            not (p["type"] == "Pods" and p["value"] == 1) for p in down.get("policies", [{"type": "Percent", "value": 100}])
        ):
            fail(name, "gateway scale-down must be one pod at a time with a stabilization window >= 300 s")
    nats = [s for s in by_kind.get("StatefulSet", []) if s["metadata"]["name"] == "roomcast-nats"]
    if not nats or nats[0]["spec"].get("replicas", 1) < 3:
        fail(name, "NATS must be a StatefulSet of three")

    # Network: default deny, and NATS/Redis admit Roomcast's pods only.
    policies = by_kind.get("NetworkPolicy", [])
    if not any(p["spec"]["podSelector"] == {} and "Ingress" in p["spec"].get("policyTypes", []) and not p["spec"].get("ingress") for p in policies):
        fail(name, "no default-deny ingress NetworkPolicy")
    for component, port in (("nats", 4222), ("redis", 6379)):
        selecting = [p for p in policies if p["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/component") == component]
        if not selecting:
            fail(name, f"no NetworkPolicy for {component}")
        for p in selecting:
            for rule in p["spec"].get("ingress", []):
                if any(pt.get("port") == port for pt in rule.get("ports", [])):
                    peers = rule.get("from", [])
                    if not peers or any(
                        set(peer) != {"podSelector"} or peer["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name") != "roomcast"
                        for peer in peers
                    ):
                        fail(name, f"{component} port {port} must admit Roomcast's pods only")

    # Monitoring, where the overlay has it.
    monitors = by_kind.get("PodMonitor", [])
    rules = by_kind.get("PrometheusRule", [])
    if monitors or rules:
        covered = {m["spec"]["selector"]["matchLabels"].get("app.kubernetes.io/component") for m in monitors}
        for role in ROLES:
            if role not in covered:
                fail(name, f"no PodMonitor for {role}")
        if not rules:
            fail(name, "no PrometheusRule")
        for r in rules:
            for group in r["spec"]["groups"]:
                for rule in group["rules"]:
                    if not rule.get("alert") or not rule.get("expr"):
                        fail(name, f"rule without alert or expr in {group['name']}")
            check_metric_names(f"{name}: PrometheusRule {r['metadata']['name']}", json.dumps(r["spec"]), exported)
        dashboards = [d for d in by_kind.get("ConfigMap", []) if d["metadata"].get("labels", {}).get("grafana_dashboard")]
        if not dashboards:
            fail(name, "no Grafana dashboard ConfigMap")
        for d in dashboards:
            for key, text in d["data"].items():
                json.loads(text)
                check_metric_names(f"{name}: dashboard {key}", text, exported)


def main():
    exported = exported_metrics()
    if not exported:
        sys.exit("no roomcast_* metric names found in crates/")
    for arg in sys.argv[1:]:
        check_overlay(pathlib.Path(arg), exported)
    if errors:
        print("\n".join(errors), file=sys.stderr)
        sys.exit(f"check-k8s-policy: {len(errors)} problem(s)")
    print(f"check-k8s-policy: {len(sys.argv) - 1} overlay(s) follow the deployment policies")


if __name__ == "__main__":
    main()
