import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { CategoryEvents } from '../../components/CategoryEvents';
import { Card, Empty, ErrorText } from '../../components/ui';
import { useApi } from '../../hooks/useSession';
import type { Classification } from '../../services/api.types';
import { EventCategory } from '../../services/websocket.service';
import { ProjectPicker, useProjectParam } from '../pipelines/ProjectPicker';
import { percent } from './percent';
import { Sessions } from './Sessions';

export function DebugPage() {
  const { projects, projectId, canOperate, select } = useProjectParam();

  return (
    <div className="stack">
      <Card
        title="Debug"
        actions={
<ProjectPicker value={projectId} projects={projects.data} onChange={select} />
        }
      >
        <ErrorText error={projects.error} />
        {projects.data?.length === 0 && <Empty>No projects yet: failed runs of a project open debug sessions here.</Empty>}
      </Card>
      {projectId && <Sessions projectId={projectId} canOperate={canOperate} />}
      <ClassifyLog />
      <Card title="Debug events">
        <CategoryEvents category={EventCategory.DEBUG} empty="No debug sessions yet. Their events appear here live." />
      </Card>
    </div>
  );
}

function ClassifyLog() {
  const api = useApi();
  const [log, setLog] = useState('');
  const classify = useMutation({ mutationFn: (text: string) => api.post<Classification>('/debug/classify', { log: text }) });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    classify.mutate(log);
  };
  return (
    <Card title="Diagnose a failed log">
      <form onSubmit={submit} className="stack">
        <textarea
          aria-label="log"
          rows={12}
          value={log}
          onChange={(e) => setLog(e.target.value)}
          placeholder="Paste the output of a failed CI job…"
          spellCheck={false}
        />
        <div>
          <button type="submit" disabled={classify.isPending || !log.trim()}>
            {classify.isPending ? 'Classifying…' : 'Classify'}
          </button>
        </div>
      </form>
      <ErrorText error={classify.error} />
      {classify.data && <ClassificationView result={classify.data} />}
    </Card>
  );
}
function ClassificationView({ result }: { result: Classification }) {
  if (!result.label) return <Empty>Nothing to classify in this log.</Empty>;
  return (
    <div className="classification" data-testid="classification">
      <p>
        Most likely: <strong>{result.label}</strong> ({percent(result.confidence)})
      </p>
      <ul>
        {result.top.map((score) => (
          <li key={score.label}>
            {score.label}: {percent(score.confidence)}
          </li>
        ))}
      </ul>
      {result.errors.length > 0 && (
        <>
          <h3>Errors found</h3>
          {result.errors.map((error, index) => (
            <details key={index} open={index === 0}>
              <summary>
                {error.message}
                {error.file && (
                  <small>
                    {' '}
                    — {error.file}
                    {error.line !== null && `:${error.line}`}
                  </small>
                )}
              </summary>
              <pre>{error.excerpt}</pre>
            </details>
          ))}
        </>
      )}
    </div>
  );
}
