// The signed-in user's API tokens (for scripts and the CLI), and for admins the users.
import { useState, type FormEvent } from 'react';
import { Badge, Card, Empty, ErrorText } from '../../components/ui';
import { formatTime } from '../../components/format';
import { useSession } from '../../hooks/useSession';
import type { ApiToken, ApiTokenCreated, User } from '../../services/api.types';
import { useChange, useList } from './useResource';

export function AccountPage() {
  const { user } = useSession();
  return (
    <div className="stack">
      <Tokens />
      {user?.isAdmin && <Users />}
    </div>
  );
}

function Tokens() {
  const key = ['tokens'];
  const tokens = useList<ApiToken>(key, '/auth/tokens');
  const create = useChange(key, (api, body: { name: string; expiresInDays: number | null }) => api.post<ApiTokenCreated>('/auth/tokens', body));
  const revoke = useChange(key, (api, id: string) => api.delete(`/auth/tokens/${id}`));
  const [name, setName] = useState('');
  const [days, setDays] = useState('90');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name, expiresInDays: days ? Number(days) : null }, { onSuccess: () => setName('') });
  };
  const active = tokens.data?.filter((token) => !token.revokedAt) ?? [];
  return (
    <Card title="API tokens">
      <p className="muted">For scripts and the CLI: send as <code>Authorization: Bearer …</code>.</p>
      <ErrorText error={tokens.error ?? revoke.error} />
      {active.length === 0 ? (
        <Empty>No API tokens.</Empty>
      ) : (
        <table aria-label="api tokens">
          <tbody>
            {active.map((token) => (
              <tr key={token.id} data-token={token.name}>
                <td>{token.name}</td>
                <td>
                  <code>{token.prefix}…</code>
                </td>
                <td>{token.expiresAt ? `expires ${formatTime(token.expiresAt)}` : 'never expires'}</td>
                <td>{token.lastUsedAt ? `used ${formatTime(token.lastUsedAt)}` : 'never used'}</td>
                <td>
                  <button type="button" className="link" onClick={() => revoke.mutate(token.id)}>
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="inline-form" aria-label="new token" onSubmit={submit}>
        <label>
          Name
          <input name="tokenName" value={name} onChange={(e) => setName(e.target.value)} placeholder="laptop CLI" required />
        </label>
        <label>
          Expires in (days, empty: never)
          <input name="tokenDays" type="number" min={1} value={days} onChange={(e) => setDays(e.target.value)} />
        </label>
        <button type="submit" disabled={create.isPending}>
          Create token
        </button>
      </form>
      <ErrorText error={create.error} />
      {create.data && (
        <p className="notice" data-testid="new-token">
          Copy the token now; it is not shown again: <code>{create.data.token}</code>
        </p>
      )}
    </Card>
  );
}

function Users() {
  const key = ['users'];
  const users = useList<User>(key, '/users');
  const create = useChange(key, (api, body: { username: string; password: string; isAdmin: boolean }) => api.post<User>('/users', body));
  const update = useChange(key, (api, { id, ...body }: { id: string; isActive?: boolean; isAdmin?: boolean }) => api.patch<User>(`/users/${id}`, body));
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [admin, setAdmin] = useState(false);
  return (
    <Card title="Users">
      <ErrorText error={users.error ?? update.error} />
      <table aria-label="users">
        <tbody>
          {users.data?.map((u) => (
            <tr key={u.id} data-user={u.username}>
              <td>{u.username}</td>
              <td>{u.isAdmin && <Badge value="admin" kind="role" />}</td>
              <td>{u.isActive ? 'active' : <Badge value="disabled" kind="failed" />}</td>
              <td>
                <button type="button" className="link" onClick={() => update.mutate({ id: u.id, isActive: !u.isActive })}>
                  {u.isActive ? 'Disable' : 'Enable'}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="inline-form"
        aria-label="new user"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate({ username, password, isAdmin: admin }, { onSuccess: () => (setUsername(''), setPassword(''), setAdmin(false)) });
        }}
      >
        <label>
          Username
          <input name="newUsername" value={username} onChange={(e) => setUsername(e.target.value)} required />
        </label>
        <label>
          Password
          <input name="newPassword" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        <label className="check">
          <input type="checkbox" checked={admin} onChange={(e) => setAdmin(e.target.checked)} /> Admin
        </label>
        <button type="submit" disabled={create.isPending}>
          Create user
        </button>
      </form>
      <ErrorText error={create.error} />
    </Card>
  );
}
