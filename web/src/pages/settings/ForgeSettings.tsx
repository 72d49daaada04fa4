// The project's forge: where commit statuses go (kind, API URL, repository, the token kept as
// the secret CONVEYOR_FORGE_TOKEN), whether the link works (a 401 from the forge breaks it,
// and says so here), the latest statuses sent, and whether badges are public.
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Badge, Card, Empty, ErrorText } from '../../components/ui';
import { formatTime } from '../../components/format';
import { useApi } from '../../hooks/useSession';
import type { CommitStatus, ForgeKind, ForgeLink, Project } from '../../services/api.types';
import { queryKeys } from '../../services/liveCache';
import { useChange, useList } from './useResource';

export const FORGE_TOKEN = 'CONVEYOR_FORGE_TOKEN';
const DEFAULT_API: Record<ForgeKind, string> = { github: 'https://api.github.com', gitlab: 'https://gitlab.com' };

interface LinkForm {
  kind: ForgeKind;
  apiUrl: string;
  repository: string;
  token: string;
}

export function ForgeSettings({ project, canEdit }: { project: Project; canEdit: boolean }) {
  const api = useApi();
  const key = ['forge', project.id];
  const link = useQuery({
    queryKey: key,
    queryFn: () => api.get<ForgeLink | null>(`/projects/${project.id}/forge`),
  });
  const save = useChange(key, async (client, form: LinkForm) => {
    if (form.token) await client.put(`/projects/${project.id}/secrets/${FORGE_TOKEN}`, { value: form.token });
    return client.put<ForgeLink>(`/projects/${project.id}/forge`, { kind: form.kind, apiUrl: form.apiUrl.trim(), repository: form.repository.trim() });
  });
  const [form, setForm] = useState<LinkForm | null>(null);
  const current: LinkForm = form ?? {
    kind: link.data?.kind ?? 'github',
    apiUrl: link.data?.apiUrl ?? DEFAULT_API.github,
    repository: link.data?.repository ?? '',
    token: '',
  };
  const change = (changes: Partial<LinkForm>) => setForm({ ...current, ...changes });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(current, { onSuccess: () => setForm(null) });
  };
  return (
    <Card title="Forge: commit statuses and badges">
      <p className="muted">
        Each run sets a commit status per pipeline on GitHub or GitLab (pending, then its outcome, linking back here).
      </p>
      <ErrorText error={link.error} />
      <p data-testid="forge-status" role={link.data?.status === 'broken' ? 'alert' : undefined}>
        {link.data == null ? (
          'Not linked: no statuses are sent.'
        ) : link.data.status === 'broken' ? (
          <>
            <Badge value="failed" /> Broken since {formatTime(link.data.brokenAt)}: {link.data.brokenReason}
          </>
        ) : (
          <>
            <Badge value="success" /> Linked to {link.data.repository} on {link.data.kind === 'github' ? 'GitHub' : 'GitLab'}
            {!link.data.tokenSet && ` (no ${FORGE_TOKEN} secret yet: statuses wait for a token)`}
          </>
        )}
      </p>
      {canEdit && (
        <form className="inline-form" aria-label="forge link" onSubmit={submit}>
          <label>
            Forge
            <select name="forgeKind" value={current.kind} onChange={(e) => {
              const kind = e.target.value as ForgeKind;
              change({ kind, apiUrl: DEFAULT_API[kind] });
            }}>
              <option value="github">GitHub</option>
              <option value="gitlab">GitLab</option>
            </select>
          </label>
          <label>
            API URL
            <input name="forgeApiUrl" value={current.apiUrl} onChange={(e) => change({ apiUrl: e.target.value })} required />
          </label>
          <label>
            Repository
            <input name="forgeRepository" value={current.repository} onChange={(e) => change({ repository: e.target.value })} placeholder={current.kind === 'github' ? 'owner/name' : 'group/name or id'} required />
          </label>
          <label>
            Token {link.data?.tokenSet && <small>(set; leave empty to keep it)</small>}
            <input name="forgeToken" type="password" autoComplete="off" value={current.token} onChange={(e) => change({ token: e.target.value })} />
          </label>
          <button type="submit" disabled={save.isPending}>
            Save link
          </button>
        </form>
      )}
      <ErrorText error={save.error} />
      {link.data && <RecentStatuses projectId={project.id} />}
      <PublicBadges project={project} canEdit={canEdit} />
    </Card>
  );
}

function RecentStatuses({ projectId }: { projectId: string }) {
  const statuses = useList<CommitStatus>(['forge-statuses', projectId], `/projects/${projectId}/forge/statuses?limit=10`);
  if (statuses.data?.length === 0) return <Empty>No statuses sent yet.</Empty>;
  return (
    <div className="table-scroll">
      <ErrorText error={statuses.error} />
      <table aria-label="commit statuses">
        <tbody>
          {statuses.data?.map((status) => (
            <tr key={status.executionId} data-delivery={status.delivery}>
              <td>{status.context}</td>
              <td>
                <code>{status.sha.slice(0, 7)}</code>
              </td>
              <td>{status.state}</td>
              <td>
                {status.delivery}
                {status.error && <small className="muted"> {status.error}</small>}
              </td>
              <td>{formatTime(status.updatedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function PublicBadges({ project, canEdit }: { project: Project; canEdit: boolean }) {
  const save = useChange(queryKeys.project(project.id), (api, publicBadges: boolean) => api.patch<Project>(`/projects/${project.id}`, { publicBadges }));
  return (
    <div className="stack">
      <label className="checkbox">
        <input
          type="checkbox"
          name="publicBadges"
          checked={project.publicBadges ?? false}
          disabled={!canEdit || save.isPending}
          onChange={(e) => save.mutate(e.target.checked)}
        />{' '}
        Badges readable without login
      </label>
      <p className="muted">
        A pipeline’s badge: <code>{`${window.location.origin}/api/v1/pipelines/PIPELINE_ID/badge.svg?branch=${project.defaultBranch}`}</code>
      </p>
      <ErrorText error={save.error} />
    </div>
  );
}
