// REST shapes the dashboard reads (camelCase, as /api/v1 serves them; see /api/v1/openapi.json).
// Event payloads are generated (events.generated.ts); these mirror the pydantic *Read schemas.

export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
}

export interface User {
  id: string;
  username: string;
  email: string | null;
  isAdmin: boolean;
  isActive: boolean;
  createdAt: string;
}

export type Role = 'viewer' | 'maintainer' | 'owner';

export interface Project {
  id: string;
  name: string;
  repoUrl: string | null;
  defaultBranch: string;
  createdAt: string;
  role: Role | null;
}

export interface Pipeline {
  id: string;
  projectId: string;
  name: string;
  definition: string;
  nextRunAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export type Status = 'queued' | 'running' | 'success' | 'failed' | 'cancelled' | 'timed_out' | 'skipped';

export interface Step {
  index: number;
  name: string;
  status: Status;
  exitCode: number | null;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface Job {
  id: string;
  key: string;
  name: string;
  status: Status;
  needs: string[];
  attempt: number;
  runner: string | null;
  exitCode: number | null;
  error: string | null;
  logLines: number;
  startedAt: string | null;
  finishedAt: string | null;
  steps: Step[];
}

export interface Execution {
  id: string;
  pipelineId: string;
  projectId: string;
  number: number;
  status: Status;
  trigger: string;
  ref: string | null;
  commitSha: string | null;
  attempt: number;
  actorId: string | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  jobs: Job[];
}

export interface LogLine {
  n: number;
  ts: string;
  step: number | null;
  text: string;
}

export interface JobLog {
  jobId: string;
  key: string;
  offset: number;
  nextOffset: number;
  done: boolean;
  lines: LogLine[];
}

export interface LogPage {
  executionId: string;
  jobs: JobLog[];
}

export type AlertSeverity = 'critical' | 'warning' | 'info';
export type AlertStatus = 'open' | 'acknowledged' | 'resolved';

export interface Alert {
  alertId: string;
  title: string;
  severity: AlertSeverity;
  message: string;
  source: string;
  status: AlertStatus;
  createdAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
}

export interface Notification {
  id: string;
  kind: string;
  title: string;
  body: string;
  priority: string;
  projectId: string | null;
  createdAt: string;
  readAt: string | null;
}

export interface LabelScore {
  label: string;
  confidence: number;
}

export interface DetectedError {
  message: string;
  kind: string;
  tool: string | null;
  file: string | null;
  line: number | null;
  exit_code: number | null;
  excerpt: string;
}

export interface Classification {
  label: string | null;
  confidence: number;
  top: LabelScore[];
  errors: DetectedError[];
}
