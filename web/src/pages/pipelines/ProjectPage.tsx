import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { Card, Empty, ErrorText } from '../../components/ui';
import type { Pipeline } from '../../services/api.types';
import { DefinitionEditor } from './DefinitionEditor';
import { RunsTable } from './RunsTable';
import { RunPipeline } from './RunPipeline';
import { useCanOperate, useCreatePipeline, useDefinitionCheck, useExecutions, usePipelines, useProject, useSyncRepository } from './queries';

export function ProjectPage() {
  const { projectId = '' } = useParams();
  const project = useProject(projectId);
  const pipelines = usePipelines(projectId);
  const canOperate = useCanOperate(project.data);

  return (
    <div className="stack">
      <p className="crumbs">
        <Link to="/pipelines">Projects</Link> / {project.data?.name ?? '…'} · <Link to={`/projects/${projectId}/settings`}>Settings</Link>
      </p>
      <ErrorText error={project.error ?? pipelines.error} />
      {pipelines.data?.length === 0 && <Empty>This project has no pipelines yet.</Empty>}
      {canOperate && project.data?.repoUrl && <SyncRepository projectId={projectId} />}
      {pipelines.data?.map((pipeline) => (
        <PipelineCard key={pipeline.id} pipeline={pipeline} canOperate={canOperate} />
      ))}
      {canOperate && <NewPipeline projectId={projectId} />}
    </div>
  );
}

function PipelineCard({ pipeline, canOperate }: { pipeline: Pipeline; canOperate: boolean }) {
  const executions = useExecutions(pipeline.id);
  return (
    <Card
      title={
        <>
          <Link to={`/pipelines/${pipeline.id}`}>{pipeline.name}</Link>
          {pipeline.path && (
            <code className="muted" data-testid="pipeline-path">
              {' '}
              {pipeline.path}
            </code>
          )}
        </>
      }
      actions={canOperate && <RunPipeline pipeline={pipeline} />}
    >
      {pipeline.error && (
        <pre className="error" role="alert" data-testid="pipeline-error">
          {pipeline.error}
        </pre>
      )}
      <ErrorText error={executions.error} />
      <RunsTable label={`executions of ${pipeline.name}`} runs={executions.data} />
    </Card>
  );
}

/** Reads the repository's pipeline files at a branch (the default one when empty): their pipelines appear above. */
function SyncRepository({ projectId }: { projectId: string }) {
  const sync = useSyncRepository(projectId);
  const [ref, setRef] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    sync.mutate(ref.trim() || null);
  };
  return (
    <Card title="Pipelines from the repository">
      <form className="inline-form" onSubmit={submit} aria-label="sync from the repository">
        <label>
          Branch, tag or commit
          <input name="sync-ref" value={ref} onChange={(e) => setRef(e.target.value)} placeholder="the default branch" />
        </label>
        <button type="submit" disabled={sync.isPending}>
          {sync.isPending ? 'Reading the repository…' : 'Read pipeline files'}
        </button>
      </form>
      <p className="muted">.conveyor.yml and .conveyor/*.yml (and .github/workflows/*.yml when the project runs them) are read at each run&apos;s commit.</p>
      <ErrorText error={sync.error} />
      {sync.data && !sync.error && <p role="status">Found {sync.data.length === 1 ? '1 pipeline file' : `${sync.data.length} pipeline files`}.</p>}
    </Card>
  );
}

const EXAMPLE = 'jobs:\n  build:\n    steps:\n      - run: echo hello\n';

function NewPipeline({ projectId }: { projectId: string }) {
  const create = useCreatePipeline(projectId);
  const [name, setName] = useState('');
  const [definition, setDefinition] = useState(EXAMPLE);
  const check = useDefinitionCheck(projectId, definition);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(
      { name, definition },
      {
        onSuccess: () => {
          setName('');
          setDefinition(EXAMPLE);
        },
      },
    );
  };
  return (
    <Card title="New pipeline">
      <form onSubmit={submit} className="stack">
        <label>
          Name
          <input name="pipeline-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="ci" required />
        </label>
        <div className="field">
          <span className="muted">Definition (YAML, see docs/pipelines.md)</span>
          <DefinitionEditor value={definition} onChange={setDefinition} check={check} />
        </div>
        <div>
          <button type="submit" disabled={create.isPending}>
            Create pipeline
          </button>
        </div>
      </form>
      <ErrorText error={create.error} />
      {create.data && !create.error && (
        <p role="status">
          Created <Link to={`/pipelines/${create.data.id}`}>{create.data.name}</Link>.
        </p>
      )}
    </Card>
  );
}
