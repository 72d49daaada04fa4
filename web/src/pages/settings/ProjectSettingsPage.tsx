// A project's settings: repository and default branch (checked by the server when saved),
// members and roles, secrets (names only: set and delete), the webhook to paste into
// GitHub or GitLab, and the forge link for commit statuses and badges.
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { Badge, Card, Empty, ErrorText } from '../../components/ui';
import { formatTime } from '../../components/format';
import { useSession } from '../../hooks/useSession';
import type { Member, Project, Role, Secret, User } from '../../services/api.types';
import { queryKeys } from '../../services/liveCache';
import { useProject } from '../pipelines/queries';
import { FORGE_TOKEN, ForgeSettings } from './ForgeSettings';
import { randomSecret, useChange, useList } from './useResource';

const ROLES: Role[] = ['viewer', 'maintainer', 'owner'];
const WEBHOOK_SECRET = 'CONVEYOR_WEBHOOK_SECRET';

export function ProjectSettingsPage() {
  const { projectId = '' } = useParams();
  const project = useProject(projectId);
  const canManage = useCanManage(project.data);
  if (!project.data) return project.error ? <ErrorText error={project.error} /> : <p>Loading…</p>;
  return (
    <div className="stack">
      <p className="crumbs">
        <Link to="/pipelines">Projects</Link> / <Link to={`/projects/${projectId}`}>{project.data.name}</Link> / settings
      </p>
      <Repository project={project.data} canEdit={canManage.maintain} />
      <Members project={project.data} canEdit={canManage.own} />
      {canManage.maintain && <Secrets project={project.data} />}
      {canManage.maintain && <Webhooks project={project.data} />}
      <ForgeSettings project={project.data} canEdit={canManage.maintain} />
    </div>
  );
}

function useCanManage(project: Project | undefined) {
  const { user } = useSession();
  const admin = Boolean(user?.isAdmin);
  const role = project?.role;
  return { own: admin || role === 'owner', maintain: admin || role === 'owner' || role === 'maintainer' };
}

function Repository({ project, canEdit }: { project: Project; canEdit: boolean }) {
  const [repoUrl, setRepoUrl] = useState(project.repoUrl ?? '');
  const [branch, setBranch] = useState(project.defaultBranch);
  const [workflows, setWorkflows] = useState(Boolean(project.githubWorkflows));
  const save = useChange(
    queryKeys.project(project.id),
    (api, body: { repoUrl: string | null; defaultBranch: string; githubWorkflows: boolean }) => api.patch<Project>(`/projects/${project.id}`, body),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate({ repoUrl: repoUrl.trim() || null, defaultBranch: branch.trim(), githubWorkflows: workflows });
  };
  return (
    <Card title="Project">
      <form className="inline-form" onSubmit={submit} aria-label="repository">
        <label>
          Repository (path or URL git can clone)
          <input name="repoUrl" value={repoUrl} onChange={(e) => setRepoUrl(e.target.value)} disabled={!canEdit} placeholder="https://github.com/you/repo.git" />
        </label>
        <label>
          Default branch
          <input name="defaultBranch" value={branch} onChange={(e) => setBranch(e.target.value)} disabled={!canEdit} required />
        </label>
        <label>
          <input type="checkbox" name="githubWorkflows" checked={workflows} onChange={(e) => setWorkflows(e.target.checked)} disabled={!canEdit} />
          Also run .github/workflows/*.yml (GitHub Actions)
        </label>
        {canEdit && (
          <button type="submit" disabled={save.isPending}>
            {save.isPending ? 'Checking the repository…' : 'Save'}
          </button>
        )}
      </form>
      <ErrorText error={save.error} />
      {save.isSuccess && <p role="status">Saved. The repository answered.</p>}
    </Card>
  );
}

function Members({ project, canEdit }: { project: Project; canEdit: boolean }) {
  const { user } = useSession();
  const key = ['members', project.id];
  const members = useList<Member>(key, `/projects/${project.id}/members`);
  const users = useList<User>(['users'], '/users', Boolean(user?.isAdmin));
  const put = useChange(key, (api, { userId, role }: { userId: string; role: Role }) => api.put(`/projects/${project.id}/members/${userId}`, { role }));
  const remove = useChange(key, (api, userId: string) => api.delete(`/projects/${project.id}/members/${userId}`));
  const [adding, setAdding] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const others = users.data?.filter((u) => !members.data?.some((m) => m.userId === u.id)) ?? [];
  return (
    <Card title="Members">
      <ErrorText error={members.error ?? put.error ?? remove.error} />
      <table aria-label="members">
        <tbody>
          {members.data?.map((member) => (
            <tr key={member.userId} data-user={member.username} data-role={member.role}>
              <td>{member.username}</td>
              <td>
                {canEdit ? (
                  <select aria-label={`role of ${member.username}`} value={member.role} onChange={(e) => put.mutate({ userId: member.userId, role: e.target.value as Role })}>
                    {ROLES.map((r) => (
                      <option key={r}>{r}</option>
                    ))}
                  </select>
                ) : (
                  <Badge value={member.role} kind="role" />
                )}
              </td>
              <td>
                {canEdit && (
                  <button type="button" className="link" onClick={() => remove.mutate(member.userId)}>
                    Remove
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {canEdit && (
        <form
          className="inline-form"
          aria-label="add member"
          onSubmit={(event) => {
            event.preventDefault();
            if (adding) put.mutate({ userId: adding, role }, { onSuccess: () => setAdding('') });
          }}
        >
          <label>
            {user?.isAdmin ? 'User' : 'User id'}
            {user?.isAdmin ? (
              <select name="member" value={adding} onChange={(e) => setAdding(e.target.value)}>
                <option value="">Choose a user…</option>
                {others.map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.username}
                  </option>
                ))}
              </select>
            ) : (
              <input name="member" value={adding} onChange={(e) => setAdding(e.target.value.trim())} placeholder="the user's id (ask an admin)" />
            )}
          </label>
          <label>
            Role
            <select name="role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {ROLES.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={!adding || put.isPending}>
            Add member
          </button>
        </form>
      )}
    </Card>
  );
}

function Secrets({ project }: { project: Project }) {
  const key = ['secrets', project.id];
  const secrets = useList<Secret>(key, `/projects/${project.id}/secrets`);
  const put = useChange(key, (api, { name, value }: { name: string; value: string }) => api.put(`/projects/${project.id}/secrets/${name}`, { value }));
  const remove = useChange(key, (api, name: string) => api.delete(`/projects/${project.id}/secrets/${name}`));
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const shown = secrets.data?.filter((secret) => secret.name !== WEBHOOK_SECRET && secret.name !== FORGE_TOKEN) ?? [];
  return (
    <Card title="Secrets">
      <p className="muted">Jobs get these as environment variables; values are never shown again and are masked in logs.</p>
      <ErrorText error={secrets.error ?? remove.error} />
      {shown.length === 0 ? (
        <Empty>No secrets yet.</Empty>
      ) : (
        <ul className="links" aria-label="secrets">
          {shown.map((secret) => (
            <li key={secret.name}>
              <code>{secret.name}</code>
              <small>set {formatTime(secret.updatedAt)}</small>
              <button type="button" className="link" onClick={() => remove.mutate(secret.name)} aria-label={`delete ${secret.name}`}>
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        className="inline-form"
        aria-label="set secret"
        onSubmit={(event) => {
          event.preventDefault();
          put.mutate({ name, value }, { onSuccess: () => (setName(''), setValue('')) });
        }}
      >
        <label>
          Name
          <input name="secretName" value={name} onChange={(e) => setName(e.target.value)} placeholder="DEPLOY_TOKEN" required />
        </label>
        <label>
          Value
          <input name="secretValue" type="password" autoComplete="off" value={value} onChange={(e) => setValue(e.target.value)} required />
        </label>
        <button type="submit" disabled={put.isPending}>
          Set secret
        </button>
      </form>
      <ErrorText error={put.error} />
    </Card>
  );
}

function Webhooks({ project }: { project: Project }) {
  const key = ['secrets', project.id];
  const secrets = useList<Secret>(key, `/projects/${project.id}/secrets`);
  const put = useChange(key, (api, value: string) => api.put(`/projects/${project.id}/secrets/${WEBHOOK_SECRET}`, { value }));
  const [fresh, setFresh] = useState<string | null>(null);
  const isSet = secrets.data?.some((secret) => secret.name === WEBHOOK_SECRET);
  const url = (provider: string) => `${window.location.origin}/api/v1/hooks/${provider}/${project.id}`;
  return (
    <Card title="Webhooks">
      <p className="muted">
        A push starts every pipeline whose <code>on.push</code> matches, at the pushed commit; a pull or merge request those whose{' '}
        <code>on.pull_request</code> matches, at its head commit.
      </p>
      <dl className="facts" aria-label="webhook urls">
        <dt>GitHub (content type application/json)</dt>
        <dd>
          <code data-testid="github-hook">{url('github')}</code>
        </dd>
        <dt>GitLab (push and merge request events)</dt>
        <dd>
          <code>{url('gitlab')}</code>
        </dd>
        <dt>Secret</dt>
        <dd data-testid="webhook-secret">
          {fresh ? (
            <>
              <code>{fresh}</code> <small>Copy it now into the webhook’s secret (GitLab: secret token); it is not shown again.</small>
            </>
          ) : isSet ? (
            'set'
          ) : (
            'not set: deliveries are refused until it is'
          )}
        </dd>
      </dl>
      <button type="button" disabled={put.isPending} onClick={() => {
        const value = randomSecret();
        put.mutate(value, { onSuccess: () => setFresh(value) });
      }}>
        {isSet ? 'Replace the secret' : 'Create a secret'}
      </button>
      <ErrorText error={put.error} />
    </Card>
  );
}
