"""The cluster's PKI, made with `cryptography`: the certificates kubeadm would make, for loopback.

Kubernetes authenticates every component by a client certificate and authorises it by the
certificate's subject (CN = user, O = groups), so each component gets its own identity:
the controller-manager and scheduler as `system:kube-*` (bound by the apiserver's bootstrap RBAC
policy), the user as `kubernetes-admin` in `system:masters`. etcd and the aggregation layer's
front proxy get CAs of their own, as in kubeadm, so a cluster client certificate cannot open
etcd. All keys are ECDSA P-256: every component accepts them and they are quick to make.

`ensure_cluster_pki` is idempotent: it keeps what exists and (re)issues only a certificate that is
missing, about to expire, not signed by the current CA, or lacks a name it must carry. That keeps
the CA (and so every copied kubeconfig) stable across `down` / `up`.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

CA_DAYS = 3650
LEAF_DAYS = 365
#: A certificate closer than this to its end is re-issued at the next `up`.
RENEW_BEFORE = dt.timedelta(days=30)
#: Back-dating absorbs small clock differences between the signer and the verifier.
BACKDATE = dt.timedelta(hours=1)

#: The apiserver's name inside the cluster: the first IP of the service range, and the DNS names
#: of the `kubernetes` Service, as pods will look it up.
DEFAULT_SERVICE_CIDR = "10.0.0.0/24"
API_DNS_NAMES = (
    "localhost",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
)
LOOPBACK_IPS: tuple[IPAddress, ...] = (ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1"))


def first_service_ip(service_cidr: str) -> IPAddress:
    """The ClusterIP the apiserver gives the `kubernetes` Service: the range's first host."""
    network = ipaddress.ip_network(service_cidr)
    return ipaddress.ip_address(int(network.network_address) + 1)


@dataclass(frozen=True)
class KeyPair:
    """A certificate and its private key."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class LeafSpec:
    """What one leaf certificate must say: who it is, which CA signs it, where it may serve."""

    name: str
    ca: str
    common_name: str
    organizations: tuple[str, ...] = ()
    server: bool = False
    client: bool = False
    dns_names: tuple[str, ...] = ()
    ips: tuple[IPAddress, ...] = ()


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str, organizations: Iterable[str] = ()) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org) for org in organizations]
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def make_ca(common_name: str, *, days: int = CA_DAYS) -> KeyPair:
    """A self-signed CA that may sign leaves only (path length 0)."""
    key = new_key()
    name = _name(common_name)
    now = _now()
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    return KeyPair(cert, key)


def issue(
    ca: KeyPair,
    common_name: str,
    *,
    organizations: Sequence[str] = (),
    server: bool = False,
    client: bool = False,
    dns_names: Sequence[str] = (),
    ips: Sequence[IPAddress] = (),
    days: int = LEAF_DAYS,
) -> KeyPair:
    """A leaf certificate signed by `ca`, for TLS serving, client authentication, or both."""
    if not (server or client):
        raise ValueError("a leaf certificate must be for serving, for client authentication, or both")
    if server and not (dns_names or ips):
        raise ValueError(f"serving certificate {common_name!r} needs at least one DNS name or IP")
    key = new_key()
    now = _now()
    public = key.public_key()
    usages = ([ExtendedKeyUsageOID.SERVER_AUTH] if server else []) + (
        [ExtendedKeyUsageOID.CLIENT_AUTH] if client else []
    )
    ca_ski = ca.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, organizations))
        .issuer_name(ca.cert.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(min(now + dt.timedelta(days=days), ca.cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
    )
    if dns_names or ips:
        names: list[x509.GeneralName] = [x509.DNSName(n) for n in dns_names]
        names += [x509.IPAddress(ip) for ip in ips]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return KeyPair(builder.sign(ca.key, hashes.SHA256()), key)


def write_pair(folder: Path, name: str, pair: KeyPair) -> None:
    """Write `name.crt` and `name.key` (0600), the key first so a cert never lacks its key."""
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    _write_private(folder / f"{name}.key", _key_pem(pair.key))
    (folder / f"{name}.crt").write_bytes(pair.cert.public_bytes(serialization.Encoding.PEM))


def load_pair(folder: Path, name: str) -> KeyPair | None:
    """The pair written by `write_pair`, or None if either file is missing or unreadable."""
    try:
        cert = x509.load_pem_x509_certificate((folder / f"{name}.crt").read_bytes())
        key = serialization.load_pem_private_key((folder / f"{name}.key").read_bytes(), password=None)
    except (FileNotFoundError, ValueError):
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.public_key() != cert.public_key():
        return None
    return KeyPair(cert, key)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    path.chmod(0o600)


def signed_by(cert: x509.Certificate, ca: x509.Certificate) -> bool:
    """Whether `ca` issued `cert` (names and signature), without trusting either."""
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def san_names(cert: x509.Certificate) -> tuple[set[str], set[IPAddress]]:
    """The DNS names and IP addresses in a certificate's subjectAltName (empty if it has none)."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set(), set()
    ips = {value for value in san.get_values_for_type(x509.IPAddress) if isinstance(value, IPAddress)}
    return set(san.get_values_for_type(x509.DNSName)), ips


def _still_good(pair: KeyPair | None, ca: KeyPair, spec: LeafSpec) -> bool:
    if pair is None or not signed_by(pair.cert, ca.cert):
        return False
    if pair.cert.not_valid_after_utc - _now() < RENEW_BEFORE:
        return False
    if pair.cert.subject != _name(spec.common_name, spec.organizations):
        return False
    dns, ips = san_names(pair.cert)
    return set(spec.dns_names) <= dns and set(spec.ips) <= ips


@dataclass(frozen=True)
class ClusterPKI:
    """Where the cluster's certificates are; the file layout follows kubeadm's `/etc/kubernetes/pki`."""

    folder: Path
    service_cidr: str = DEFAULT_SERVICE_CIDR
    cas: tuple[str, ...] = field(default=("ca", "front-proxy-ca", "etcd/ca"))

    def crt(self, name: str) -> Path:
        return self.folder / f"{name}.crt"

    def key(self, name: str) -> Path:
        return self.folder / f"{name}.key"

    @property
    def sa_private(self) -> Path:
        return self.folder / "sa.key"

    @property
    def sa_public(self) -> Path:
        return self.folder / "sa.pub"

    def leaves(self) -> tuple[LeafSpec, ...]:
        """Every leaf the control plane uses, with the CA that signs it."""
        loopback_dns = ("localhost",)
        api_ips = (*LOOPBACK_IPS, first_service_ip(self.service_cidr))
        return (
            LeafSpec("apiserver", "ca", "kube-apiserver", server=True, dns_names=API_DNS_NAMES, ips=api_ips),
            LeafSpec("admin", "ca", "kubernetes-admin", ("system:masters",), client=True),
            LeafSpec(
                "apiserver-kubelet-client", "ca", "kube-apiserver-kubelet-client", ("system:masters",), client=True
            ),
            # Each of these serves its own /healthz on loopback and is the apiserver's client.
            LeafSpec(
                "controller-manager",
                "ca",
                "system:kube-controller-manager",
                server=True,
                client=True,
                dns_names=loopback_dns,
                ips=LOOPBACK_IPS,
            ),
            LeafSpec(
                "scheduler",
                "ca",
                "system:kube-scheduler",
                server=True,
                client=True,
                dns_names=loopback_dns,
                ips=LOOPBACK_IPS,
            ),
            LeafSpec("front-proxy-client", "front-proxy-ca", "front-proxy-client", client=True),
            # A single member: the one certificate serves clients and (future) peers.
            LeafSpec(
                "etcd/server", "etcd/ca", "etcd", server=True, client=True, dns_names=loopback_dns, ips=LOOPBACK_IPS
            ),
            LeafSpec("apiserver-etcd-client", "etcd/ca", "kube-apiserver-etcd-client", client=True),
            # The node agent's kubelet API (logs), reached by the apiserver at InternalIP 127.0.0.1.
            LeafSpec(
                "kubelet",
                "ca",
                "system:node:cloudless",
                ("system:nodes",),
                server=True,
                dns_names=loopback_dns,
                ips=LOOPBACK_IPS,
            ),
        )

    def load(self, name: str) -> KeyPair:
        pair = load_pair(self.folder, name)
        if pair is None:
            raise FileNotFoundError(f"{self.folder}/{name}.crt or .key is missing or broken; run `cluster up`")
        return pair


def ensure_cluster_pki(folder: Path, service_cidr: str = DEFAULT_SERVICE_CIDR) -> ClusterPKI:
    """Create what is missing in `folder` and return where everything is. Safe to call at every `up`."""
    pki = ClusterPKI(folder, service_cidr)
    folder.mkdir(parents=True, exist_ok=True)
    cas: dict[str, KeyPair] = {}
    for ca_name in pki.cas:
        existing = load_pair(folder, ca_name)
        if existing is None or existing.cert.not_valid_after_utc - _now() < RENEW_BEFORE:
            existing = make_ca(f"cloudless-{ca_name.replace('/', '-')}")
            write_pair(folder, ca_name, existing)
        cas[ca_name] = existing
    for spec in pki.leaves():
        ca = cas[spec.ca]
        if not _still_good(load_pair(folder, spec.name), ca, spec):
            leaf = issue(
                ca,
                spec.common_name,
                organizations=spec.organizations,
                server=spec.server,
                client=spec.client,
                dns_names=spec.dns_names,
                ips=spec.ips,
            )
            write_pair(folder, spec.name, leaf)
    if not (pki.sa_private.exists() and pki.sa_public.exists()):
        # The apiserver signs service-account tokens with the private key and verifies them with the
        # public one; the controller-manager's token controller signs with the same private key.
        sa_key = new_key()
        _write_private(pki.sa_private, _key_pem(sa_key))
        pki.sa_public.write_bytes(
            sa_key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    return pki
