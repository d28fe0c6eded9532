"""TypedDicts for the main csapi responses and request bodies.

They name the keys the API documents; results are plain dicts with the API's keys, unknown keys
included (so a newer server never breaks a script). All are ``total=False``: the API omits or nulls
fields freely. Timestamps are epoch-millisecond *strings*, as the API sends them.
"""

from __future__ import annotations

from typing import Any, TypedDict

__all__ = [
    "VulnerabilityCounts", "Image", "Container", "Vulnerability", "VulnerabilityList", "VulnerabilityCount",
    "ComplianceControl", "Compliance", "Registry", "Repository", "Schedule", "Policy", "Report", "Tag",
    "TagEntityInfo", "Sensor", "Connector", "AwsBase", "DeletionJob", "DownloadResult", "ListPage",
]  # fmt: skip


class VulnerabilityCounts(TypedDict, total=False):
    severity1Count: int | None
    severity2Count: int | None
    severity3Count: int | None
    severity4Count: int | None
    severity5Count: int | None


class Image(TypedDict, total=False):
    """An image of ``images.list`` / ``images.bulk_list`` / ``images.get``."""

    uuid: str
    sha: str
    imageId: str
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


class Container(TypedDict, total=False):
    """A container of ``containers.list`` / ``containers.bulk_list`` / ``containers.get``."""

    uuid: str
    sha: str
    containerId: str
    imageId: str
    imageUuid: str
    name: str
    host: dict[str, Any] | None
    state: str
    stateChanged: str | None
    created: str
    updated: str
    lastScanned: str | None
    vulnerabilities: VulnerabilityCounts | None
    sensorUuid: str | None


class Vulnerability(TypedDict, total=False):
    qid: int
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
    registryUuid: str
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
    scheduleUuid: str
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
    reportUuid: str
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
