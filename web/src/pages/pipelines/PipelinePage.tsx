// One pipeline: its runs, its YAML (view, edit with the failing line marked, history of every
// saved version) and deleting it.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { Card, ErrorText } from '../../components/ui';
import { formatTime } from '../../components/format';
import { useApi } from '../../hooks/useSession';
import { JobGraph } from '../../components/JobGraph';
import type { Pipeline, PipelineGraph, PipelineRevision } from '../../services/api.types';
import { forgetPipeline, queryKeys } from '../../services/liveCache';
import { DefinitionEditor, DefinitionView, errorLines, graphNodes } from './DefinitionEditor';
import { RunsTable } from './RunsTable';
import { RunPipeline } from './RunPipeline';
import { useCanOperate, useDefinitionCheck, useExecutions, usePipeline, useProject } from './queries';

type Tab = 'runs' | 'definition' | 'history';

export function PipelinePage() {
  const { pipelineId = '' } = useParams();
  const pipeline = usePipeline(pipelineId);
  const project = useProject(pipeline.data?.projectId);
  const canOperate = useCanOperate(project.data);
  const [tab, setTab] = useState<Tab>('runs');
  const [editing, setEditing] = useState(false);

  if (!pipeline.data) return pipeline.error ? <ErrorText error={pipeline.error} /> : <p>Loading…</p>;
  const current = pipeline.data;
  return (
    <div className="stack">
      <p className="crumbs">
        <Link to="/pipelines">Projects</Link> / <Link to={`/projects/${current.projectId}`}>{project.data?.name ?? '…'}</Link> / {current.name}
      </p>
      <Card title={<span data-testid="pipeline-name">{current.name}</span>} actions={canOperate && <Actions pipeline={current} onEdit={() => { setEditing(true); setTab('definition'); }} />}>
        <div className="tabs" role="tablist">
          {(['runs', 'definition', 'history'] as const).map((name) => (
            <button key={name} type="button" role="tab" aria-selected={tab === name} onClick={() => setTab(name)}>
              {name === 'runs' ? 'Runs' : name === 'definition' ? 'Definition' : 'History'}
            </button>
          ))}
        </div>
      </Card>
      {tab === 'runs' && <Runs pipeline={current} />}
      {tab === 'definition' && (editing ? <Edit pipeline={current} onDone={() => setEditing(false)} /> : <Definition pipeline={current} />)}
      {tab === 'history' && <History pipeline={current} />}
    </div>
  );
}

function Actions({ pipeline, onEdit }: { pipeline: Pipeline; onEdit: () => void }) {
  const api = useApi();
  const queries = useQueryClient();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  const remove = useMutation({
    mutationFn: () => api.delete(`/pipelines/${pipeline.id}`),
    onSuccess: () => {
      forgetPipeline(queries, pipeline.projectId, pipeline.id);
      void navigate(`/projects/${pipeline.projectId}`);
    },
  });
  return (
    <div className="actions">
      <RunPipeline pipeline={pipeline} />
      {pipeline.source !== 'repository' && (
        <button type="button" onClick={onEdit}>
          Edit
        </button>
      )}
      {confirming ? (
        <span className="confirm" role="group" aria-label="confirm delete">
          Delete {pipeline.name} and all its runs?{' '}
          <button type="button" className="danger" disabled={remove.isPending} onClick={() => remove.mutate()}>
            Delete
          </button>{' '}
          <button type="button" onClick={() => setConfirming(false)}>
            Keep
          </button>
        </span>
      ) : (
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          Delete…
        </button>
      )}
      <ErrorText error={remove.error} />
    </div>
  );
}

function Definition({ pipeline }: { pipeline: Pipeline }) {
  const api = useApi();
  const fromRepository = pipeline.source === 'repository';
  const graph = useQuery({
    queryKey: ['pipeline-graph', pipeline.id, pipeline.updatedAt],
    queryFn: () => api.get<PipelineGraph>(`/pipelines/${pipeline.id}/dag`, { format: 'json' }),
    enabled: !pipeline.error,
  });
  return (
    <>
      {fromRepository && (
        <p className="notice" data-testid="pipeline-source">
          This pipeline is the file <code>{pipeline.path}</code> of the project's repository, read at each run's commit: change it there.
        </p>
      )}
      {pipeline.error && (
        <p className="error" role="alert" data-testid="definition-error">
          {pipeline.error}
        </p>
      )}
      {!pipeline.error && (
        <Card title="Jobs">
          <ErrorText error={graph.error} />
          {graph.data && <JobGraph label="job graph" jobs={graphNodes(graph.data.jobs)} />}
        </Card>
      )}
      <Card title="Definition">
        <DefinitionView text={pipeline.definition} marked={errorLines(pipeline.error)} />
      </Card>
    </>
  );
}

function Edit({ pipeline, onDone }: { pipeline: Pipeline; onDone: () => void }) {
  const api = useApi();
  const queries = useQueryClient();
  const [text, setText] = useState(pipeline.definition);
  const check = useDefinitionCheck(pipeline.projectId, text);
  const save = useMutation({
    mutationFn: () => api.put<Pipeline>(`/pipelines/${pipeline.id}`, { definition: text }),
    onSuccess: (saved) => {
      queries.setQueryData(queryKeys.pipeline(saved.id), saved);
      void queries.invalidateQueries({ queryKey: ['revisions', saved.id] });
      onDone();
    },
  });
  const invalid = Boolean(check.result && !check.result.valid && !check.checking);
  const message = save.error instanceof Error ? save.error.message : null;
  return (
    <Card title="Edit definition">
      <form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate();
        }}
      >
        <DefinitionEditor value={text} onChange={setText} check={check} />
        {message && (
          <p className="error" role="alert" data-testid="definition-error">
            {message}
          </p>
        )}
        <div className="actions">
          <button type="submit" disabled={save.isPending || invalid} title={invalid ? 'Fix the problems first' : undefined}>
            Save
          </button>
          <button type="button" onClick={onDone}>
            Cancel
          </button>
        </div>
      </form>
    </Card>
  );
}

function Runs({ pipeline }: { pipeline: Pipeline }) {
  const executions = useExecutions(pipeline.id);
  return (
    <Card title="Runs">
      <ErrorText error={executions.error} />
      <RunsTable label={`runs of ${pipeline.name}`} runs={executions.data} />
    </Card>
  );
}

function History({ pipeline }: { pipeline: Pipeline }) {
  const api = useApi();
  const revisions = useQuery({
    queryKey: ['revisions', pipeline.id, pipeline.updatedAt],
    queryFn: () => api.get<PipelineRevision[]>(`/pipelines/${pipeline.id}/revisions`),
  });
  const [shown, setShown] = useState<number | null>(null);
  const list = revisions.data ?? [];
  const selected = list.find((revision) => revision.number === shown) ?? list[0];
  const previous = selected && list.find((revision) => revision.number === selected.number - 1);
  return (
    <Card title="History of changes">
      <ErrorText error={revisions.error} />
      <div className="history">
        <ul className="links" aria-label="revisions">
          {list.map((revision) => (
            <li key={revision.number} className={revision === selected ? 'selected' : undefined}>
              <button type="button" className="link" onClick={() => setShown(revision.number)}>
                Version {revision.number}
              </button>
              <small>
                {revision.author ?? 'someone'} · {formatTime(revision.createdAt)}
                {previous && revision === selected && ` · ${changedLines(previous.definition, revision.definition)} line(s) changed`}
              </small>
            </li>
          ))}
        </ul>
        {selected && <DefinitionView text={selected.definition} />}
      </div>
    </Card>
  );
}

/** Lines of `after` that are not in `before` plus lines of `before` gone from `after`. */
export function changedLines(before: string, after: string): number {
  const count = (text: string) => text.split('\n').reduce((map, line) => map.set(line, (map.get(line) ?? 0) + 1), new Map<string, number>());
  const a = count(before);
  const b = count(after);
  let changed = 0;
  for (const [line, n] of b) changed += Math.max(0, n - (a.get(line) ?? 0));
  for (const [line, n] of a) changed += Math.max(0, n - (b.get(line) ?? 0));
  return changed;
}
