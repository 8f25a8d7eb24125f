"""The deployment recipe in deploy/ (issue 21): Kubernetes manifests valid against the API's schemas
(kubernetes-validate, from PyPI), the HAProxy config accepted by haproxy itself, the image and compose file
shaped as the README says (multi-stage, not root, a health check, replicas sharing one cursor secret)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def test_kubernetes_manifests_are_valid() -> None:
    validate = shutil.which("kubernetes-validate") or str(Path(sys.executable).parent / "kubernetes-validate")
    if not Path(validate).exists():
        pytest.skip("kubernetes-validate not installed (the dev extra has it)")
    manifests = sorted(str(p) for p in (DEPLOY / "kubernetes").glob("*.yaml"))
    done = subprocess.run([validate, "--strict", *manifests], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    import yaml

    deployment = yaml.safe_load((DEPLOY / "kubernetes" / "deployment.yaml").read_text())
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    names = {e["name"] for e in container["env"]}
    assert {
        "RESPAN_MCP_CURSOR_SECRET",
        "RESPAN_MCP_ALLOWED_HOSTS",
        "RESPAN_MCP_HTTP_MAX_CONNECTIONS_PER_CLIENT",
    } <= names
    assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy not installed")
def test_the_balancer_config_is_one_haproxy_accepts() -> None:
    done = subprocess.run(["haproxy", "-c", "-f", str(DEPLOY / "haproxy.cfg")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_image_and_compose_file() -> None:
    import yaml

    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert dockerfile.count("\nFROM ") + dockerfile.startswith("FROM ") >= 2  # multi-stage
    assert "\nUSER respan" in dockerfile and "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
    assert '"--transport", "http"' in dockerfile
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    service = compose["services"]["respan-mcp"]
    assert service["deploy"]["replicas"] == 3 and "RESPAN_MCP_CURSOR_SECRET" in service["environment"]
    assert {"RESPAN_MCP_OAUTH_SECRET", "RESPAN_MCP_PUBLIC_URL"} <= set(service["environment"])  # replicas share both
    assert compose["services"]["balancer"]["image"].startswith("haproxy")
