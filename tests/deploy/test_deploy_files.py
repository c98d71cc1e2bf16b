"""The deployment files (deploy/): valid for Docker Compose and Kubernetes, consistent with the code,
and closed where they must be. No container engine runs here, so nothing is built or started; the
schemas are the ones the tools themselves use (compose-spec, Kubernetes' OpenAPI)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
DOCKERFILES = sorted((DEPLOY / "docker").glob("*.Dockerfile"))
SERVICES = {"rasa", "actions", "recommender", "console", "shop"}


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def k8s_documents() -> list[dict]:
    return [d for path in sorted((DEPLOY / "k8s").glob("*.yaml")) for d in yaml.safe_load_all(path.read_text()) if d]


def test_compose_file_is_valid_compose_spec():
    done = subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
                           str(DEPLOY / "compose.yaml")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_kubernetes_manifests_are_valid_against_the_kubernetes_schemas():
    done = subprocess.run(
        [str(BIN / "kubernetes-validate"), "--strict", *map(str, sorted((DEPLOY / "k8s").glob("*.yaml")))],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_one_dockerfile_per_service_and_everything_it_copies_exists():
    assert {p.name.removesuffix(".Dockerfile") for p in DOCKERFILES} == SERVICES
    for dockerfile in DOCKERFILES:
        for line in dockerfile.read_text().splitlines():
            if line.startswith("COPY ") and "--from=" not in line:
                for source in line.split()[1:-1]:
                    assert (ROOT / source).exists(), f"{dockerfile.name}: COPY {source} is not in the repository"


def test_each_service_listens_where_the_production_config_and_the_manifests_say():
    config = yaml.safe_load((DEPLOY / "cartwise.production.yml").read_text())
    containers = {
        c["name"]: c
        for d in k8s_documents()
        if d["kind"] == "Deployment"
        for c in d["spec"]["template"]["spec"]["containers"]
    }
    for dockerfile in DOCKERFILES:
        service = dockerfile.name.removesuffix(".Dockerfile")
        exposed = int(re.search(r"^EXPOSE (\d+)", dockerfile.read_text(), re.M).group(1))
        assert config[service]["port"] == exposed and config[service]["host"] == "0.0.0.0", service
        assert containers[service]["ports"][0]["containerPort"] == exposed, service
        assert containers[service]["readinessProbe"]["httpGet"] and containers[service]["resources"]["requests"]


def test_only_the_proxy_is_published_and_internal_services_have_no_route_out():
    services = compose()["services"]
    published = {name for name, s in services.items() if s.get("ports")}
    assert published == {"proxy"}
    assert compose()["networks"]["internal"]["internal"] is True
    for name in ("actions", "recommender", "postgres", "redis"):
        assert services[name]["networks"] == ["internal"], name
    console_ports = [p for p in services["proxy"]["ports"] if p.endswith(":8090")]
    assert console_ports and all(p.startswith("127.0.0.1:") for p in console_ports)


def test_action_server_and_recommender_are_cluster_internal_and_fenced():
    docs = k8s_documents()
    services = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}
    assert all(s["spec"]["type"] == "ClusterIP" for s in services.values())
    fenced = {
        d["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
        for d in docs
        if d["kind"] == "NetworkPolicy"
    }
    assert {"actions", "recommender", "console"} <= fenced
    backends = {
        p["backend"]["service"]["name"]
        for d in docs
        if d["kind"] == "Ingress"
        for rule in d["spec"]["rules"]
        for p in rule["http"]["paths"]
    }
    assert backends == {"rasa", "shop", "console"}


def test_replicas_share_stores_the_way_rasa_supports():
    endpoints = yaml.safe_load((DEPLOY / "endpoints.production.yml").read_text())
    assert endpoints["tracker_store"]["type"] == "bot.tracker_store.RedactingSQLTrackerStore"
    assert endpoints["tracker_store"]["dialect"] == "postgresql" and endpoints["lock_store"]["type"] == "redis"
    replicas = {d["metadata"]["name"]: d["spec"]["replicas"] for d in k8s_documents() if d["kind"] == "Deployment"}
    assert replicas["rasa"] >= 2 and replicas["actions"] >= 2 and replicas["recommender"] >= 2
    assert compose()["services"]["rasa"]["deploy"]["replicas"] >= 2


def test_the_shop_and_the_action_servers_share_one_orders_store():
    """Checkout (shop) writes the orders the bot (action servers) answers about: one PostgreSQL
    store, not a file in each pod."""
    production = yaml.safe_load((DEPLOY / "cartwise.production.yml").read_text())
    assert production["actions"]["orders_db"].startswith("postgresql://")
    env = {d["metadata"]["name"]: {e["name"]: e for e in d["spec"]["template"]["spec"]["containers"][0]["env"]}
           for d in k8s_documents() if d["kind"] == "Deployment"}
    refs = {name: env[name]["CARTWISE_ORDERS_DB"]["valueFrom"]["secretKeyRef"] for name in ("shop", "actions")}
    assert refs["shop"] == refs["actions"]
    services = compose()["services"]
    urls = {name: services[name]["environment"]["CARTWISE_ORDERS_DB"] for name in ("shop", "actions")}
    assert urls["shop"] == urls["actions"] and urls["shop"].startswith("postgresql://")


SECRET_NAME = re.compile(r"(?i)password|token|secret")
CREDENTIALS_IN_URL = re.compile(r"://[^/@\s]+:([^/@\s]+)@")


def _literal_secrets(node, where: str = "") -> list[str]:
    """Places in a YAML tree where a secret is written out instead of coming from the environment."""
    found = []
    if isinstance(node, dict):
        if isinstance(node.get("name"), str) and SECRET_NAME.search(node["name"]) and "value" in node:
            found.append(f"{where}.{node['name']}: a literal value (use valueFrom: secretKeyRef)")
        for key, value in node.items():
            if SECRET_NAME.search(str(key)) and isinstance(value, str) and not value.startswith("${"):
                found.append(f"{where}.{key} = {value!r}")
            found += _literal_secrets(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _literal_secrets(value, f"{where}[{i}]")
    elif isinstance(node, str):
        m = CREDENTIALS_IN_URL.search(node)
        if m and not m.group(1).startswith("${"):
            found.append(f"{where}: a password in a URL")
    return found


def test_no_secret_is_written_in_a_deployment_file():
    found = []
    for path in sorted(DEPLOY.rglob("*.y*ml")):
        for document in yaml.safe_load_all(path.read_text()):
            found += _literal_secrets(document, path.name)
    for path in DOCKERFILES + [DEPLOY / "nginx.conf"]:
        found += [
            f"{path.name}: {m.group(0)}" for m in re.finditer(r"(?i)(password|token)=[^$\s]\S*", path.read_text())
        ]
    assert found == []


def test_the_secret_check_sees_a_planted_secret():
    planted = {
        "services": {"rasa": {"environment": {"CARTWISE_RASA_TOKEN": "hunter2", "DB": "postgresql://u:pw@db/x"}}},
        "env": [{"name": "DB_PASSWORD", "value": "hunter2"}],
    }
    assert len(_literal_secrets(planted)) == 3


def test_kustomization_names_every_manifest_and_config_file():
    kustomization = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == sorted(f"k8s/{p.name}" for p in (DEPLOY / "k8s").glob("*.yaml"))
    for entry in kustomization["configMapGenerator"][0]["files"]:
        assert (DEPLOY / entry.split("=")[1]).exists()
