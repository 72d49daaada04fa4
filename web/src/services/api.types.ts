// The REST shapes the pages use, by the names the pages use: aliases of the types generated
// from /api/v1/openapi.json (api.generated.ts, `conveyor typescript`), never hand copies.
// A read schema is what clients see of a thing: `ProjectRead` is `Project` here.
import type { components } from './api.generated';

type Schemas = components['schemas'];

export type TokenResponse = Schemas['TokenResponse'];
export type User = Schemas['UserRead'];
export type Role = Schemas['Role'];
export type Project = Schemas['ProjectRead'];
export type Member = Schemas['MemberRead'];
export type Secret = Schemas['SecretRead'];
export type ApiToken = Schemas['ApiTokenRead'];
export type ApiTokenCreated = Schemas['ApiTokenCreated'];
export type Pipeline = Schemas['PipelineRead'];
export type PipelineRevision = Schemas['PipelineRevisionRead'];
export type DefinitionCheck = Schemas['DefinitionCheckRead'];
export type DefinitionProblem = Schemas['DefinitionProblemRead'];
export type PipelineGraph = Schemas['PipelineGraph'];
export type JobNode = Schemas['JobNode'];
export type PipelineInput = Schemas['PipelineInputRead'];
export type PipelineInputs = Schemas['PipelineInputsRead'];
export type TestReport = Schemas['TestReport'];
export type TestResult = Schemas['TestResultRead'];
export type Status = Schemas['Status'];
export type Step = Schemas['StepRead'];
export type Job = Schemas['JobRead'];
export type Artifact = Schemas['ArtifactRead'];
export type Execution = Schemas['ExecutionRead'];
export type ExecutionAccepted = Schemas['ExecutionAccepted'];
export type ExecutionSummary = Schemas['ExecutionSummary'];
export type ForgeKind = Schemas['ForgeKind'];
export type ForgeLink = Schemas['ForgeLinkRead'];
export type CommitStatus = Schemas['CommitStatusRead'];
export type LogLine = Schemas['LogLineRead'];
export type JobLog = Schemas['JobLog'];
export type LogPage = Schemas['LogPage'];
export type AlertSeverity = Schemas['AlertSeverity'];
export type AlertStatus = Schemas['AlertStatus'];
export type Alert = Schemas['AlertRead'];
export type Notification = Schemas['NotificationRead'];
export type LabelScore = Schemas['LabelScore'];
export type DetectedError = Schemas['DetectedError'];
export type Classification = Schemas['ClassificationResult'];
export type Severity = Schemas['VulnerabilityRead']['severity'];
export type Scan = Schemas['ScanRead'];
export type ScanAccepted = Schemas['ScanAccepted'];
export type Vulnerability = Schemas['VulnerabilityRead'];
export type VulnerabilityStatus = Schemas['VulnerabilityRead']['status'];
export type SecurityPolicy = Schemas['PolicyRead'];
export type SystemStatus = Schemas['SystemStatusRead'];
export type MetricsSample = Schemas['MetricsRead'];
export type MetricsHistory = Schemas['MetricsHistoryRead'];
export type Diagram = Schemas['DiagramRead'];
export type DebugSession = Schemas['DebugSessionRead'];
export type DebugError = Schemas['DebugErrorRead'];
export type Patch = Schemas['PatchRead'];
