"""The container image and the Kubernetes manifests, checked without a Docker engine or a cluster: the
manifests against the Kubernetes API schemas (kubernetes-validate, which bundles them: no network), the
Pod Security "restricted" rules, and what the Dockerfile builds."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml
from tests.serve_page.dockerfile import Stage, exec_form, parse

from aixgo_cli.config.validate import validate_bytes

REPO = Path(__file__).resolve().parents[2]
MANIFESTS = REPO / "deploy" / "kubernetes"
KUBERNETES_VERSIONS = ("1.30", "1.33")  # the oldest supported release we target, and a current one
UID = 10001


def manifests() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(MANIFESTS.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            found[doc["kind"]] = doc
    return found


def pod_spec() -> dict[str, Any]:
    spec: dict[str, Any] = manifests()["Deployment"]["spec"]["template"]["spec"]
    return spec


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_manifest_is_valid_against_the_kubernetes_schemas(version: str) -> None:
    docs = manifests()
    assert set(docs) == {
        "Namespace",
        "Secret",
        "ConfigMap",
        "PersistentVolumeClaim",
        "Deployment",
        "Service",
        "NetworkPolicy",
    }
    for doc in docs.values():
        kubernetes_validate.validate(doc, version, strict=True)


def test_the_validator_catches_a_misspelt_field() -> None:
    broken = copy.deepcopy(manifests()["Deployment"])
    broken["spec"]["template"]["spec"]["containers"][0]["securityContext"]["readOnlyRootFilesytem"] = True
    with pytest.raises(kubernetes_validate.ValidationError, match="readOnlyRootFilesytem"):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[-1], strict=True)


def test_the_namespace_enforces_pod_security_restricted() -> None:
    labels = manifests()["Namespace"]["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    assert {doc["metadata"].get("namespace") for kind, doc in manifests().items() if kind != "Namespace"} == {"aixgo"}


def test_the_pod_meets_the_restricted_profile() -> None:
    spec = pod_spec()
    pod = spec["securityContext"]
    assert pod["runAsNonRoot"] is True and pod["runAsUser"] == UID and pod["seccompProfile"]["type"] == "RuntimeDefault"
    assert spec["automountServiceAccountToken"] is False
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        assert not spec.get(key)
    assert all("hostPath" not in volume for volume in spec["volumes"])
    for container in spec["containers"] + spec.get("initContainers", []):
        context = container["securityContext"]
        assert context["allowPrivilegeEscalation"] is False
        assert context["readOnlyRootFilesystem"] is True
        assert context["capabilities"]["drop"] == ["ALL"] and "add" not in context["capabilities"]
        assert context.get("privileged", False) is False and context.get("runAsUser", UID) != 0
        assert "hostPort" not in str(container.get("ports"))


def test_the_container_has_probes_resources_a_data_volume_and_keys_from_the_secret() -> None:
    spec = pod_spec()
    (container,) = spec["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert {"cpu", "memory"} <= set(container["resources"]["requests"]) <= set(container["resources"]["limits"])
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert (
        volumes[mounts["/data"]]["persistentVolumeClaim"]["claimName"]
        == manifests()["PersistentVolumeClaim"]["metadata"]["name"]
    )
    assert volumes[mounts["/workflows"]]["configMap"]["name"] == manifests()["ConfigMap"]["metadata"]["name"]
    assert "emptyDir" in volumes[mounts["/tmp"]]  # the only other writable place
    assert {"name": "AIXGO_HOME", "value": "/data"} in container["env"]
    (source,) = container["envFrom"]
    assert source["secretRef"]["name"] == manifests()["Secret"]["metadata"]["name"]
    assert manifests()["Deployment"]["spec"]["replicas"] == 1  # one writer per SQLite journal


def test_the_secret_is_a_template_without_values() -> None:
    secret = manifests()["Secret"]
    assert "data" not in secret
    assert set(secret["stringData"].values()) == {""}


def test_the_network_policy_lets_in_only_the_port_and_out_only_dns_and_https() -> None:
    policy = manifests()["NetworkPolicy"]["spec"]
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    (ingress,) = policy["ingress"]
    port = pod_spec()["containers"][0]["ports"][0]["containerPort"]
    assert ingress["ports"] == [{"port": port, "protocol": "TCP"}]
    egress_ports = sorted((p["port"], p["protocol"]) for rule in policy["egress"] for p in rule["ports"])
    assert egress_ports == [(53, "TCP"), (53, "UDP"), (443, "TCP")]
    https = next(rule for rule in policy["egress"] if rule["ports"][0]["port"] == 443)
    assert "169.254.0.0/16" in https["to"][0]["ipBlock"]["except"]  # never the cloud metadata address
    service = manifests()["Service"]["spec"]
    assert service["type"] == "ClusterIP" and service["ports"][0]["targetPort"] == "http"


def test_the_example_workflow_in_the_config_map_is_valid() -> None:
    for name, text in manifests()["ConfigMap"]["data"].items():
        report = validate_bytes(text.encode(), name)
        assert report.ok, [issue.message for issue in report.errors]


def final_stage() -> Stage:
    return parse(REPO / "Dockerfile").stages[-1]


def test_the_image_is_multi_stage_and_ends_on_python_slim() -> None:
    dockerfile = parse(REPO / "Dockerfile")
    assert len(dockerfile.stages) >= 2
    assert dockerfile.base_of(dockerfile.stages[-1]) == "python:3.11-slim"
    copies = final_stage().all("COPY")
    assert copies and all(args.startswith("--from=") for args in copies)  # only built artefacts reach it


def test_the_image_runs_as_a_fixed_non_root_user() -> None:
    (user,) = final_stage().all("USER")
    assert user.split(":")[0] == str(UID) and user.split(":")[1] == str(UID)
    assert pod_spec()["securityContext"]["runAsUser"] == UID
    assert any(f"--uid {UID}" in run for run in final_stage().all("RUN"))


def test_dependencies_are_installed_hash_checked_from_the_lock() -> None:
    runs = [run for stage in parse(REPO / "Dockerfile").stages for run in stage.all("RUN")]
    installs = [part for run in runs for part in run.split("&&") if "pip install" in part]
    locked = [part for part in installs if "runtime.lock" in part]
    assert locked and all("--require-hashes" in part for part in locked)
    assert all("--no-deps" in part for part in installs)  # nothing beyond the lock is resolved
    lock = (REPO / "requirements" / "runtime.lock").read_text(encoding="utf-8")
    pins = re.findall(r"^[a-z0-9_.\-\[\]]+==\S+ \\$", lock, flags=re.MULTILINE)
    assert pins and lock.count("--hash=sha256:") >= len(pins)


def test_nothing_is_fetched_by_url_and_the_image_keeps_its_state_on_the_volume() -> None:
    dockerfile = parse(REPO / "Dockerfile")
    for stage in dockerfile.stages:
        assert stage.all("ADD") == [], "ADD fetches URLs and unpacks archives: COPY only"
        assert not any(re.search(r"\b(curl|wget)\b", run) for run in stage.all("RUN"))
    final = final_stage()
    assert final.all("VOLUME") == ['["/data"]']
    env = " ".join(final.all("ENV"))
    assert "AIXGO_HOME=/data" in env and "PYTHONDONTWRITEBYTECODE=1" in env
    (entrypoint,) = final.all("ENTRYPOINT")
    (command,) = final.all("CMD")
    assert exec_form(entrypoint) == ["aixgo"]
    assert exec_form(command) == ["serve", "/workflows", "--host", "0.0.0.0"]
    (healthcheck,) = final.all("HEALTHCHECK")
    assert "/healthz" in healthcheck and exec_form(healthcheck.split(" CMD ", 1)[1])[0] == "python"
    container = pod_spec()["containers"][0]
    assert container["args"][: len(exec_form(command))] == exec_form(command)
    assert final.all("EXPOSE") == [str(container["ports"][0]["containerPort"])]


def test_the_build_context_holds_only_what_the_image_copies() -> None:
    ignore = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    assert "**" in ignore
    sources = []
    for stage in parse(REPO / "Dockerfile").stages:
        for args in stage.all("COPY"):
            if not args.startswith("--from="):
                sources += args.split()[:-1]
    assert sources and {s.rstrip("/").removeprefix("./") for s in sources} <= allowed
    for source in sources:
        assert (REPO / source).exists(), source
