"""The PKI is what every component authenticates with: chains, names and usages must be right."""

from __future__ import annotations

import ipaddress
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from cloudless_localcluster import pki


@pytest.fixture(scope="module")
def cluster_pki(tmp_path_factory: pytest.TempPathFactory) -> pki.ClusterPKI:
    return pki.ensure_cluster_pki(tmp_path_factory.mktemp("pki"))


def _cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_every_leaf_chains_to_its_own_ca(cluster_pki: pki.ClusterPKI) -> None:
    for spec in cluster_pki.leaves():
        leaf = _cert(cluster_pki.crt(spec.name))
        assert pki.signed_by(leaf, _cert(cluster_pki.crt(spec.ca))), spec.name
        others = [ca for ca in cluster_pki.cas if ca != spec.ca]
        assert not any(pki.signed_by(leaf, _cert(cluster_pki.crt(ca))) for ca in others), spec.name


def test_cas_are_self_signed_and_may_sign_leaves_only(cluster_pki: pki.ClusterPKI) -> None:
    for ca_name in cluster_pki.cas:
        ca = _cert(cluster_pki.crt(ca_name))
        assert pki.signed_by(ca, ca)
        constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints).value
        assert constraints.ca and constraints.path_length == 0


def test_apiserver_serving_cert_names_every_way_to_reach_it(cluster_pki: pki.ClusterPKI) -> None:
    dns, ips = pki.san_names(_cert(cluster_pki.crt("apiserver")))
    assert {"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc.cluster.local"} <= dns
    assert {ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("10.0.0.1")} <= ips


def test_first_service_ip_follows_the_service_range() -> None:
    assert pki.first_service_ip("10.96.0.0/12") == ipaddress.ip_address("10.96.0.1")


def test_admin_is_a_client_in_system_masters(cluster_pki: pki.ClusterPKI) -> None:
    admin = _cert(cluster_pki.crt("admin"))
    assert admin.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "system:masters"
    usages = admin.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usages) == [ExtendedKeyUsageOID.CLIENT_AUTH]


def test_components_use_the_identities_bootstrap_rbac_knows(cluster_pki: pki.ClusterPKI) -> None:
    for name, user in (
        ("controller-manager", "system:kube-controller-manager"),
        ("scheduler", "system:kube-scheduler"),
    ):
        cert = _cert(cluster_pki.crt(name))
        assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == user


def test_private_keys_are_owner_only(cluster_pki: pki.ClusterPKI) -> None:
    keys = [cluster_pki.key(spec.name) for spec in cluster_pki.leaves()] + [cluster_pki.sa_private]
    for key in keys:
        assert stat.S_IMODE(key.stat().st_mode) == 0o600, key


def test_service_account_keys_are_a_pair(cluster_pki: pki.ClusterPKI) -> None:
    from cryptography.hazmat.primitives import serialization

    private = serialization.load_pem_private_key(cluster_pki.sa_private.read_bytes(), password=None)
    public = serialization.load_pem_public_key(cluster_pki.sa_public.read_bytes())
    assert private.public_key() == public


def test_ensure_is_idempotent_and_renews_only_what_is_broken(tmp_path: Path) -> None:
    first = pki.ensure_cluster_pki(tmp_path)
    before = {str(p.relative_to(tmp_path)): p.read_bytes() for p in tmp_path.rglob("*.crt")}
    first.crt("scheduler").unlink()
    pki.ensure_cluster_pki(tmp_path)
    after = {str(p.relative_to(tmp_path)): p.read_bytes() for p in tmp_path.rglob("*.crt")}
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"scheduler.crt"}


def test_a_new_ca_reissues_its_leaves(tmp_path: Path) -> None:
    cluster = pki.ensure_cluster_pki(tmp_path)
    old_leaf = cluster.crt("apiserver").read_bytes()
    pki.write_pair(tmp_path, "ca", pki.make_ca("replacement"))
    pki.ensure_cluster_pki(tmp_path)
    assert cluster.crt("apiserver").read_bytes() != old_leaf
    assert pki.signed_by(_cert(cluster.crt("apiserver")), _cert(cluster.crt("ca")))


def test_issue_refuses_a_serving_cert_without_names() -> None:
    ca = pki.make_ca("test")
    with pytest.raises(ValueError, match="DNS name or IP"):
        pki.issue(ca, "nameless", server=True)


def test_tls_handshake_with_the_generated_certs(cluster_pki: pki.ClusterPKI) -> None:
    """The files load into Python's ssl exactly as the components and clients load them."""
    import socket
    import ssl
    import threading

    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cluster_pki.crt("apiserver"), cluster_pki.key("apiserver"))
    server_ctx.load_verify_locations(cluster_pki.crt("ca"))
    server_ctx.verify_mode = ssl.CERT_REQUIRED
    client_ctx = ssl.create_default_context(cafile=str(cluster_pki.crt("ca")))
    client_ctx.load_cert_chain(cluster_pki.crt("admin"), cluster_pki.key("admin"))

    peer: dict[str, object] = {}
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def serve() -> None:
            conn, _ = listener.accept()
            with server_ctx.wrap_socket(conn, server_side=True) as tls:
                peer.update(tls.getpeercert() or {})
                tls.sendall(b"ok")

        thread = threading.Thread(target=serve)
        thread.start()
        with (
            socket.create_connection(("127.0.0.1", port)) as raw,
            client_ctx.wrap_socket(raw, server_hostname="kubernetes.default.svc") as tls,
        ):
            assert tls.recv(2) == b"ok"
        thread.join(5)
    assert (("commonName", "kubernetes-admin"),) in peer["subject"]  # type: ignore[operator]
