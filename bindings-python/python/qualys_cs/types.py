"""TypedDicts for the main csapi responses (the request bodies' are in ``qualys_cs.bodies``).

They name the keys the API documents; results are plain dicts with the API's keys, unknown keys
included (so a newer server never breaks a script). The API omits or nulls most fields freely, so
they are ``total=False``; the keys it always sends (an object's own id and sha) are
``Required``, so ``image["sha"]`` type-checks under mypy and pyright alike. Timestamps are
epoch-millisecond *strings*, as the API sends them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    # Only type checkers read it (annotations are strings at run time): no run-time dependency on
    # typing_extensions, which checkers always have, for Python 3.10.
    from typing_extensions import Required

__all__ = [
    "VulnerabilityCounts", "Image", "Container", "Vulnerability", "VulnerabilityList", "VulnerabilityCount",
    "ComplianceControl", "Compliance", "Registry", "Repository", "Schedule", "Policy", "Report", "Tag",
    "TagEntityInfo", "Sensor", "Connector", "AwsBase", "DeletionJob", "DownloadResult", "ListPage",
    # One name per endpoint model of the table (spec/endpoints.json `response.model`); the Rust and
    # TypeScript types carry the same names.
    "ImageDetails", "BulkImage", "ContainerDetails", "BulkContainer", "ImageVulnerabilities",
    "ContainerVulnerabilities", "RegistryDetails", "RegistryCreated", "AwsConnector", "AcrConnector",
    "GcpConnector", "AssociatedRegistry", "Associations", "Software", "SoftwareList", "Control",
    "ActivationKey", "Event", "K8sPosture", "KubernetesCluster", "JobStarted", "TagAssigned", "PolicyCreated",
    "PolicyUpdated", "ReportCreated", "ScheduleCreated", "Message", "DeletedRegistries", "DeletedSchedules",
    "ReportsDeleted",
]  # fmt: skip
# The request bodies' TypedDicts are in `qualys_cs.bodies` (generated from the sample requests).


class VulnerabilityCounts(TypedDict, total=False):
    severity1Count: int | None
    severity2Count: int | None
    severity3Count: int | None
    severity4Count: int | None
    severity5Count: int | None


class Image(TypedDict, total=False):
    """An image of ``images.list`` / ``images.bulk_list`` / ``images.get``."""

    uuid: Required[str]
    sha: Required[str]
    imageId: Required[str]
    repo: list[dict[str, Any]]
    size: int
    created: str
    updated: str
    lastScanned: str | None
    #: Severity counts on ``images.list``; the list of QIDs found on ``images.bulk_list``.
    vulnerabilities: VulnerabilityCounts | list[dict[str, Any]] | None
    associatedContainersCount: int
    associatedHostsCount: int
    registryUuid: str | None
    source: list[str] | None
    riskScore: int | None
    qdsScore: int | None
    author: str | None
    scanStatus: str | None
    scanType: str | None
    operatingSystem: str | None
    architecture: str | None
    label: list[dict[str, Any]] | None
    repoDigests: list[dict[str, Any]] | None
    isDockerHubOfficial: bool | None
    isInstrumented: bool | None
    lastFoundOnHost: str | None


class Container(TypedDict, total=False):
    """A container of ``containers.list`` / ``containers.bulk_list`` / ``containers.get``."""

    uuid: Required[str]
    sha: Required[str]
    containerId: Required[str]
    imageId: str
    imageUuid: str
    imageSha: str
    name: str
    host: dict[str, Any] | None
    state: str
    stateChanged: str | None
    created: str
    updated: str
    lastScanned: str | None
    #: Severity counts on ``containers.list``; the list of vulns on ``containers.get`` and
    #: ``containers.bulk_list``.
    vulnerabilities: VulnerabilityCounts | list[dict[str, Any]] | None
    sensorUuid: str | None
    isRoot: bool | None
    isInstrumented: bool | None


class Vulnerability(TypedDict, total=False):
    qid: Required[int]
    title: str
    severity: int
    customerSeverity: int
    typeDetected: str
    category: str
    cveids: list[str]
    firstFound: str
    lastFound: str
    published: int
    result: str
    risk: int
    software: list[dict[str, Any]]
    threatIntel: dict[str, Any]


class VulnerabilityList(TypedDict, total=False):
    """``images.vulnerabilities`` / ``containers.vulnerabilities``: ``details`` is a list (v1.1) or
    ``{"vulns": [...], "driftVulns": [...]}``; kept as sent."""

    uuid: str
    sha: str
    details: list[Vulnerability] | dict[str, list[Vulnerability]]
    vulnSummary: dict[str, Any]


class VulnerabilityCount(VulnerabilityCounts, total=False):
    """``images.vulnerability_count`` / ``containers.vulnerability_count``."""


class ComplianceControl(TypedDict, total=False):
    controlId: int
    policyUuid: str
    technologyId: int
    criticality: str
    posture: str
    lastEvaluated: str
    datapoints: list[dict[str, Any]]
    statement: str | None


class Compliance(TypedDict, total=False):
    """``images.compliance`` / ``containers.compliance``."""

    uuid: str
    sha: str
    customerUuid: str
    created: str
    updated: str
    controls: list[ComplianceControl]
    lastComplianceScanned: str | None


class Registry(TypedDict, total=False):
    registryUuid: Required[str]
    registryUri: str
    registryType: str
    repoCount: int
    totalImages: int
    totalScannedImages: int
    totalVulnerableImages: int
    lastScanned: str | None
    scheduleStatusList: dict[str, int]
    created: str
    updated: str
    dockerHubOrg: str | None
    providerType: str | None
    awsAccountId: str | None
    awsRegion: str | None


class Repository(TypedDict, total=False):
    repoName: str
    totalImages: int
    totalScannedImages: int
    totalVulnerableImages: int


class Schedule(TypedDict, total=False):
    scheduleUuid: Required[str]
    name: str | None
    onDemand: bool
    created: str
    updated: str
    jobStartDate: str | None
    jobCompletionDate: str | None
    errors: list[Any] | None
    schedule: str | None
    filters: list[dict[str, Any]]
    status: str


class Policy(TypedDict, total=False):
    uuid: str
    policyName: str
    policyType: str
    policyMode: str
    description: str
    createdBy: str
    created: str
    updatedBy: str
    updated: str
    centralizedPolicyRules: list[dict[str, Any]]
    exclusionPolicyRules: list[dict[str, Any]]
    version: int
    isDefault: bool
    tagIds: list[Any]
    k8sFilters: list[dict[str, Any]]


class Report(TypedDict, total=False):
    reportUuid: Required[str]
    createdAt: str
    reportName: str
    description: str
    fileFormat: str
    templateName: str
    status: str
    isScheduled: int
    filter: str
    displayColumns: list[str]
    expireOn: str
    emailNotification: int
    fileZipped: int
    expireAfter: int


class TagEntityInfo(TypedDict, total=False):
    entityType: str
    dynamicTagRule: str | None


class Tag(TypedDict, total=False):
    tagId: int
    name: str
    backgroundColor: str | None
    foregroundColor: str | None
    icon: str | None
    criticalityScore: int | None
    entityTagInfo: list[TagEntityInfo]


class Sensor(TypedDict, total=False):
    uuid: str
    sensorId: str
    hostname: str
    ipAddress: str
    status: str
    sensorType: str
    sensorVersion: str
    vulnSigVersion: str
    platform: str
    os: str
    created: str
    updated: str
    lastCheckedIn: str


class Connector(TypedDict, total=False):
    name: str
    description: str
    arn: str


class AwsBase(TypedDict, total=False):
    accountId: str
    externalId: int


class DeletionJob(TypedDict, total=False):
    deletionJobId: str


class DownloadResult(TypedDict):
    """``reports.download(..., path=...)``: where the file went and its size in bytes."""

    path: str
    size: int


class ListPage(TypedDict, total=False):
    """A list page as the API sends it (``with_raw_response`` on ``list`` methods)."""

    data: list[Any]
    count: int
    limit: int
    groups: dict[str, Any]


# ---- One TypedDict per model name of the endpoint table ------------------------------------------
# The table (spec/endpoints.json, `response.model`) names each endpoint's model once; these are the
# Python spellings of those names. Where the API sends the same shape under two names, one extends
# the other.


class ImageDetails(Image, total=False):
    """``images.get``: an image with its layers, hosts, software and vulnerabilities."""

    layers: list[dict[str, Any]]
    host: list[dict[str, Any]]
    softwares: list[dict[str, Any]] | dict[str, Any]
    scanStatus: str | None
    scanErrorCode: str | None


class BulkImage(Image, total=False):
    """An item of ``images.bulk_list``: ``vulnerabilities`` is a list of QIDs here, not counts."""

    softwares: list[dict[str, Any]] | dict[str, Any]


class ContainerDetails(Container, total=False):
    """``containers.get``: a container with its software and vulnerabilities."""

    softwares: list[dict[str, Any]]
    drift: dict[str, Any] | None


class BulkContainer(Container, total=False):
    """An item of ``containers.bulk_list``."""

    softwares: list[dict[str, Any]]


class ImageVulnerabilities(VulnerabilityList, total=False):
    """``images.vulnerabilities``."""


class ContainerVulnerabilities(VulnerabilityList, total=False):
    """``containers.vulnerabilities``: the summary may come as ``VunlSummary`` (the API's spelling)."""

    VunlSummary: dict[str, Any]


class RegistryDetails(Registry, total=False):
    """``registries.get``: a registry with its credential, AWS settings and connectors."""

    credential: dict[str, Any] | None
    aws: dict[str, Any] | None
    connectors: list[dict[str, Any]] | None


class RegistryCreated(TypedDict, total=False):
    """``registries.create``."""

    registryUuid: str


class AwsConnector(Connector, total=False):
    """``registries.aws.connectors`` / ``registries.aws.connector``."""


class AcrConnector(TypedDict, total=False):
    """``registries.acr.connectors`` / ``registries.acr.connector``."""

    name: str
    acrConnectorId: str
    description: str


class GcpConnector(TypedDict, total=False):
    """``registries.gcp.connectors`` / ``registries.gcp.connector``."""

    name: str
    description: str
    location: str
    gcpConnectorId: str
    gcpProjectId: str


class AssociatedRegistry(TypedDict, total=False):
    """An item of ``images.registries``."""

    registry: str
    registryUuid: str
    repo: str
    tag: str


class Associations(TypedDict, total=False):
    """``images.associations``: the containers and hosts an image is associated with."""

    containers: list[Container]
    driftContainers: list[Container]
    hosts: list[dict[str, Any]]


class Software(TypedDict, total=False):
    name: str
    version: str
    fixVersion: str | None
    vulnerabilities: list[Vulnerability] | None
    reason: str | None
    source: str | None


class SoftwareList(TypedDict, total=False):
    """``images.software`` / ``containers.software``."""

    count: int
    data: list[Software]
    softwareCountBySeverity: dict[str, Any]


class Control(TypedDict, total=False):
    """An item of ``controls.list``, or ``controls.get``."""

    id: int
    statement: str
    criticality: str
    comments: str | None
    deprecated: Any
    category: str
    subCategory: str
    technologies: list[dict[str, Any]]


class ActivationKey(TypedDict, total=False):
    """``sensors.activation_key``."""

    customerId: str
    activationId: str
    platformUrl: str


class Event(TypedDict, total=False):
    """An item of ``events.list``. The sources name no field of an event: all keys are kept as sent."""


class K8sPosture(TypedDict, total=False):
    """An item of ``k8s_postures.list``. The sources give no shape: all keys are kept as sent."""


class KubernetesCluster(TypedDict, total=False):
    """A Kubernetes cluster (``k8s_clusters.list`` items, ``k8s_clusters.get``). Unverified in shape:
    nothing published shows the answer; the two keys a policy's ``k8sFilters[].cluster`` uses are
    named, every other key is kept as sent."""

    clusterUid: Required[str]
    clusterName: str | None


class JobStarted(DeletionJob, total=False):
    """A started background job (deletes, schedule cancels); a cancel may answer ``CancelJobId``."""

    CancelJobId: str


class TagAssigned(TypedDict, total=False):
    """``tags.assign``."""

    entityUUID: str
    cascadingKafkaJobUuid: str


class PolicyCreated(TypedDict, total=False):
    """``policies.create``."""

    uuid: str


#: ``policies.update``: the API spells the key ``"policyUUID "``, with a trailing space.
PolicyUpdated = TypedDict("PolicyUpdated", {"policyUUID ": str, "policyUUID": str, "uuid": str}, total=False)


class ReportCreated(TypedDict, total=False):
    """``reports.create``."""

    reportUuid: str


class ScheduleCreated(TypedDict, total=False):
    """``reports.create_schedule`` / ``registries.schedules.create``."""

    scheduleUuid: str


class Message(TypedDict, total=False):
    """``reports.update_schedule``."""

    message: str


class DeletedRegistries(TypedDict, total=False):
    """``registries.delete_many``."""

    deletedRegistryUuids: list[str]


class DeletedSchedules(TypedDict, total=False):
    """``registries.schedules.delete_many``."""

    deletedScheduleUuids: list[str]


class ReportsDeleted(TypedDict, total=False):
    """``reports.delete``."""

    message: str
    data: list[str]
