"""Wire shapes of the CR bodies as the API server sends them: `TypedDict(total=False)`, mirroring crds/*.yaml.

Every key is optional here because a body may be partial (a watch event, a patch, an old object);
the views in `deal`, `computeunit` and `subnet` decide what is required and say so when it is missing.
"""

from __future__ import annotations

from typing import Literal, TypedDict

ConditionStatus = Literal["True", "False", "Unknown"]


class RawMeta(TypedDict, total=False):
    name: str
    namespace: str
    uid: str
    generation: int
    resourceVersion: str
    labels: dict[str, str]
    annotations: dict[str, str]


class RawCondition(TypedDict, total=False):
    type: str
    status: ConditionStatus
    observedGeneration: int
    lastTransitionTime: str
    reason: str
    message: str


class RawConfigMapRef(TypedDict, total=False):
    name: str
    key: str


class RawModule(TypedDict, total=False):
    name: str
    configMapRef: RawConfigMapRef
    sha256: str


class RawEnvVar(TypedDict, total=False):
    name: str
    value: str


class RawService(TypedDict, total=False):
    name: str
    modules: list[RawModule]
    mappedDirs: dict[str, str]
    env: list[RawEnvVar]
    memoryLimit: str


class RawProviders(TypedDict, total=False):
    allow: list[str]
    deny: list[str]


class RawDealSpec(TypedDict, total=False):
    services: list[RawService]
    minWorkers: int
    targetWorkers: int
    maxWorkersPerProvider: int
    pricePerWorkerEpoch: str
    deposit: str
    paymentToken: str
    requiredEffectors: list[str]
    providers: RawProviders
    stopped: bool


class RawObjectRef(TypedDict, total=False):
    name: str


class RawDealStatus(TypedDict, total=False):
    observedGeneration: int
    phase: str
    matchedUnits: list[str]
    readyWorkers: int
    subnetRef: RawObjectRef
    balance: str
    lastBilledEpoch: int
    maxPaidEpoch: int
    conditions: list[RawCondition]


class RawDeal(TypedDict, total=False):
    apiVersion: str
    kind: str
    metadata: RawMeta
    spec: RawDealSpec
    status: RawDealStatus


class RawUnitResources(TypedDict, total=False):
    cpu: str
    memory: str
    ephemeralStorage: str


class RawUnitSpec(TypedDict, total=False):
    provider: str
    nodeName: str
    pricePerEpoch: str
    paymentToken: str
    effectors: list[str]
    resources: RawUnitResources
    unschedulable: bool


class RawDealRef(TypedDict, total=False):
    namespace: str
    name: str
    uid: str


class RawUnitStatus(TypedDict, total=False):
    observedGeneration: int
    state: Literal["Free", "Reserved", "Unavailable"]
    dealRef: RawDealRef
    reservedAt: str
    worker: str
    conditions: list[RawCondition]


class RawComputeUnit(TypedDict, total=False):
    apiVersion: str
    kind: str
    metadata: RawMeta
    spec: RawUnitSpec
    status: RawUnitStatus
