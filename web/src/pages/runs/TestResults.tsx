// The run's test results from its JUnit reports (GET /executions/{id}/tests): the summary, then
// the cases, failures first with their message; "Failed" shows only those, "All" every case.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Badge, Card, Empty, ErrorText } from '../../components/ui';
import { useApi } from '../../hooks/useSession';
import type { Execution, TestReport, TestResult } from '../../services/api.types';
import { TERMINAL_STATUSES } from '../../services/events.generated';

const SHOWN = 500; // rows drawn at first; "Show more" draws the rest

const ORDER: Record<string, number> = { failed: 0, skipped: 2, passed: 3 };

/** Failures first (then errors of other kinds, skipped, passed), the slowest first within each. */
export function failuresFirst(tests: TestResult[]): TestResult[] {
  return [...tests].sort((a, b) => (ORDER[a.status] ?? 1) - (ORDER[b.status] ?? 1) || b.duration - a.duration);
}

export function TestResults({ run }: { run: Execution }) {
  const api = useApi();
  const summary = run.tests;
  const report = useQuery({
    queryKey: ['tests', run.id, run.status, summary?.passed, summary?.failed, summary?.skipped],
    queryFn: () => api.get<TestReport>(`/executions/${run.id}/tests`),
    enabled: summary !== null && summary !== undefined,
  });
  const [filter, setFilter] = useState<'failed' | 'all' | null>(null);
  const [limit, setLimit] = useState(SHOWN);
  if (!summary) {
    return (
      <Card title="Tests">
        <Empty>
          {TERMINAL_STATUSES.has(run.status)
            ? 'This run has no test reports. A job reports its tests with reports: {junit: "reports/*.xml"}.'
            : 'Test results appear when jobs with reports finish.'}
        </Empty>
      </Card>
    );
  }
  const shownFilter = filter ?? (summary.failed > 0 ? 'failed' : 'all');
  const tests = failuresFirst(report.data?.tests ?? []).filter((test) => shownFilter === 'all' || test.status === 'failed');
  const jobName = (id: string) => run.jobs.find((job) => job.id === id)?.name ?? '';
  return (
    <Card
      title={
        <span data-testid="test-summary">
          Tests: <Badge value={`${summary.failed} failed`} kind={summary.failed ? 'failed' : 'neutral'} />{' '}
          <Badge value={`${summary.passed} passed`} kind="success" /> <Badge value={`${summary.skipped} skipped`} kind="skipped" />
        </span>
      }
      actions={
        <div className="tabs" role="tablist" aria-label="which tests">
          {(['failed', 'all'] as const).map((name) => (
            <button key={name} type="button" role="tab" aria-selected={shownFilter === name} onClick={() => setFilter(name)}>
              {name === 'failed' ? 'Failed' : 'All'}
            </button>
          ))}
        </div>
      }
    >
      <ErrorText error={report.error} />
      {report.data && tests.length === 0 && <Empty>{shownFilter === 'failed' ? 'No test failed.' : 'No test cases.'}</Empty>}
      {tests.length > 0 && (
        <div className="table-scroll">
          <table className="tests" aria-label="test results">
            <thead>
              <tr>
                <th>Status</th>
                <th>Test</th>
                <th>Job</th>
                <th>Time</th>
              </tr>
            </thead>
            <tbody>
              {tests.slice(0, limit).map((test, index) => (
                <tr key={`${test.jobId}/${test.suite}/${test.classname}/${test.name}/${index}`} data-status={test.status}>
                  <td>
                    <Badge value={test.status} />
                  </td>
                  <td className="test-name">
                    <span>{test.name}</span> <small className="muted">{[test.classname, test.suite].filter(Boolean).join(' · ')}</small>
                    {test.message && (
                      <details open={test.status === 'failed' && index === 0}>
                        <summary>{test.message.split('\n')[0].slice(0, 200)}</summary>
                        <pre className="test-message">{test.message}</pre>
                      </details>
                    )}
                  </td>
                  <td>{jobName(test.jobId)}</td>
                  <td>{test.duration.toFixed(2)}s</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {tests.length > limit && (
        <button type="button" onClick={() => setLimit(limit + SHOWN * 4)}>
          Show more ({tests.length - limit} left)
        </button>
      )}
    </Card>
  );
}
