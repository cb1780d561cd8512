"""The four control-plane processes: their command lines and how to tell that each is healthy.

Flags follow what kubeadm writes into its static pod manifests, cut down to one machine: every
component binds 127.0.0.1 only, talks TLS with the certificates of `pki.py`, and serves its
health endpoint over HTTPS so `cluster status` asks each one directly. Leader election is off
(there is one instance of each), which also saves the controller-manager and scheduler the lease
wait at startup.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .pki import ClusterPKI
from .state import LOOPBACK, StateDir

#: Start order; `down` stops in reverse. Each waits for the previous one's health.
ORDER = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "node-agent")

#: Where pods' ClusterIPs come from; the apiserver's serving certificate carries its first address.
SERVICE_CIDR = "10.0.0.0/24"


@dataclass(frozen=True)
class HealthCheck:
    """An HTTPS GET that answers 200 when the component is healthy.

    `ca` verifies the server (each component serves a certificate of ours); `cert`/`key`, when
    set, authenticate the caller (etcd requires a client certificate from its own CA).
    """

    url: str
    ca: Path
    cert: Path | None = None
    key: Path | None = None


@dataclass(frozen=True)
class Component:
    """One process of the control plane."""

    name: str
    binary: str
    args: tuple[str, ...]
    health: HealthCheck
    #: Seconds to wait for health at startup on a 2-core machine, first start included.
    startup_timeout: float

    def command(self, bin_dir: Path) -> list[str]:
        return [str(bin_dir / self.binary), *self.args]


#: Who the apiserver's audit log records: workloads' service accounts (a chart's operator, say), at
#: Metadata level (who did what to which object, and the answer; no bodies). The control plane's own
#: controllers (service accounts in kube-system) and the node agent are left out, so the log stays
#: small and reads as "what the workloads asked for": tests/helm check an operator's RBAC against it.
AUDIT_POLICY = """\
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: None
    userGroups: ["system:serviceaccounts:kube-system"]
  - level: Metadata
    userGroups: ["system:serviceaccounts"]
  - level: None
"""


def audit_policy(state: StateDir) -> Path:
    """The audit policy file in the state folder, (re)written when its text differs; its path."""
    path = state.root / "audit-policy.yaml"
    if not path.exists() or path.read_text() != AUDIT_POLICY:
        path.write_text(AUDIT_POLICY)
    return path


def _url(port: int, path: str) -> str:
    return f"https://{LOOPBACK}:{port}{path}"


def control_plane(
    state: StateDir, pki: ClusterPKI, ports: dict[str, int], *, pod_cidrs: Sequence[str] = ()
) -> dict[str, Component]:
    """The components of one cluster, by name, in start order; the node agent registers one Node per podCIDR."""
    etcd_url = _url(ports["etcd-client"], "")
    peer_url = f"http://{LOOPBACK}:{ports['etcd-peer']}"
    cm_kubeconfig = state.kubeconfigs / "controller-manager.conf"
    scheduler_kubeconfig = state.kubeconfigs / "scheduler.conf"

    etcd = Component(
        name="etcd",
        binary="etcd",
        args=(
            "--name=cloudless",
            f"--data-dir={state.etcd_data}",
            f"--listen-client-urls={etcd_url}",
            f"--advertise-client-urls={etcd_url}",
            # One member, no peers ever connect: plain HTTP on loopback is enough for the peer URL.
            f"--listen-peer-urls={peer_url}",
            f"--initial-advertise-peer-urls={peer_url}",
            f"--initial-cluster=cloudless={peer_url}",
            "--initial-cluster-state=new",
            f"--cert-file={pki.crt('etcd/server')}",
            f"--key-file={pki.key('etcd/server')}",
            f"--trusted-ca-file={pki.crt('etcd/ca')}",
            "--client-cert-auth=true",
            "--snapshot-count=10000",
            "--log-level=warn",
        ),
        health=HealthCheck(
            _url(ports["etcd-client"], "/health"),
            pki.crt("etcd/ca"),
            pki.crt("apiserver-etcd-client"),
            pki.key("apiserver-etcd-client"),
        ),
        startup_timeout=60,
    )
    apiserver = Component(
        name="kube-apiserver",
        binary="kube-apiserver",
        args=(
            f"--bind-address={LOOPBACK}",
            f"--advertise-address={LOOPBACK}",
            f"--secure-port={ports['apiserver']}",
            f"--etcd-servers={etcd_url}",
            f"--etcd-cafile={pki.crt('etcd/ca')}",
            f"--etcd-certfile={pki.crt('apiserver-etcd-client')}",
            f"--etcd-keyfile={pki.key('apiserver-etcd-client')}",
            f"--tls-cert-file={pki.crt('apiserver')}",
            f"--tls-private-key-file={pki.key('apiserver')}",
            f"--client-ca-file={pki.crt('ca')}",
            f"--kubelet-client-certificate={pki.crt('apiserver-kubelet-client')}",
            f"--kubelet-client-key={pki.key('apiserver-kubelet-client')}",
            "--kubelet-preferred-address-types=InternalIP,Hostname",
            f"--service-account-key-file={pki.sa_public}",
            f"--service-account-signing-key-file={pki.sa_private}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            # The apiserver would publish its own address as the `kubernetes` Service's endpoint, and
            # Endpoints/EndpointSlice validation rejects loopback addresses (every 10 s, an error in
            # the log). Local clients reach the apiserver through the kubeconfig, not that Service.
            "--endpoint-reconciler-type=none",
            "--authorization-mode=Node,RBAC",
            "--enable-admission-plugins=NodeRestriction",
            "--allow-privileged=true",
            # The aggregation layer's front proxy, as kubeadm sets it up.
            f"--requestheader-client-ca-file={pki.crt('front-proxy-ca')}",
            "--requestheader-allowed-names=front-proxy-client",
            "--requestheader-username-headers=X-Remote-User",
            "--requestheader-group-headers=X-Remote-Group",
            "--requestheader-extra-headers-prefix=X-Remote-Extra-",
            f"--proxy-client-cert-file={pki.crt('front-proxy-client')}",
            f"--proxy-client-key-file={pki.key('front-proxy-client')}",
            "--profiling=false",
            f"--audit-policy-file={audit_policy(state)}",
            f"--audit-log-path={state.log_file('kube-apiserver-audit')}",
            "--audit-log-format=json",
            "--audit-log-maxsize=50",
            "--audit-log-maxbackup=1",
        ),
        health=HealthCheck(_url(ports["apiserver"], "/readyz"), pki.crt("ca"), pki.crt("admin"), pki.key("admin")),
        startup_timeout=180,
    )
    controller_manager = Component(
        name="kube-controller-manager",
        binary="kube-controller-manager",
        args=(
            f"--bind-address={LOOPBACK}",
            f"--secure-port={ports['controller-manager']}",
            f"--kubeconfig={cm_kubeconfig}",
            f"--authentication-kubeconfig={cm_kubeconfig}",
            f"--authorization-kubeconfig={cm_kubeconfig}",
            f"--tls-cert-file={pki.crt('controller-manager')}",
            f"--tls-private-key-file={pki.key('controller-manager')}",
            f"--client-ca-file={pki.crt('ca')}",
            f"--requestheader-client-ca-file={pki.crt('front-proxy-ca')}",
            f"--root-ca-file={pki.crt('ca')}",
            f"--service-account-private-key-file={pki.sa_private}",
            f"--cluster-signing-cert-file={pki.crt('ca')}",
            f"--cluster-signing-key-file={pki.key('ca')}",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--use-service-account-credentials=true",
            "--controllers=*,bootstrapsigner,tokencleaner",
            "--leader-elect=false",
            "--profiling=false",
        ),
        health=HealthCheck(_url(ports["controller-manager"], "/healthz"), pki.crt("ca")),
        startup_timeout=90,
    )
    scheduler = Component(
        name="kube-scheduler",
        binary="kube-scheduler",
        args=(
            f"--bind-address={LOOPBACK}",
            f"--secure-port={ports['scheduler']}",
            f"--kubeconfig={scheduler_kubeconfig}",
            f"--authentication-kubeconfig={scheduler_kubeconfig}",
            f"--authorization-kubeconfig={scheduler_kubeconfig}",
            f"--tls-cert-file={pki.crt('scheduler')}",
            f"--tls-private-key-file={pki.key('scheduler')}",
            f"--client-ca-file={pki.crt('ca')}",
            f"--requestheader-client-ca-file={pki.crt('front-proxy-ca')}",
            "--leader-elect=false",
            "--profiling=false",
        ),
        health=HealthCheck(_url(ports["scheduler"], "/healthz"), pki.crt("ca")),
        startup_timeout=90,
    )
    agent = Component(
        name="node-agent",
        # Our own Python program, run by the interpreter running this code (the project's virtualenv).
        binary=sys.executable,
        args=(
            "-m",
            "cloudless_localcluster.agent",
            f"--state={state.root}",
            *(f"--pod-cidr={cidr}" for cidr in pod_cidrs),
        ),
        health=HealthCheck(_url(ports["kubelet"], "/healthz"), pki.crt("ca")),
        startup_timeout=60,
    )
    return {c.name: c for c in (etcd, apiserver, controller_manager, scheduler, agent)}
