import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { Badge, Card, Empty, ErrorText } from '../../components/ui';
import { useCreateProject, useProjects } from './queries';

export function ProjectsPage() {
  const projects = useProjects();
  return (
    <div className="stack">
      <Card title="Projects">
        <ErrorText error={projects.error} />
        {projects.isPending && <p>Loading…</p>}
        {projects.data?.length === 0 && <Empty>No projects yet. Create one below to add pipelines to it.</Empty>}
        <ul className="links" aria-label="projects">
          {projects.data?.map((project) => (
            <li key={project.id}>
              <Link to={`/projects/${project.id}`}>{project.name}</Link>
              {project.role && <Badge value={project.role} kind="role" />}
              <small>{project.repoUrl ?? 'no repository'}</small>
            </li>
          ))}
        </ul>
      </Card>
      <NewProject />
    </div>
  );
}

function NewProject() {
  const create = useCreateProject();
  const [name, setName] = useState('');
  const [repoUrl, setRepoUrl] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name, repoUrl: repoUrl || null, defaultBranch: 'main' }, { onSuccess: () => setName('') });
  };
  return (
    <Card title="New project">
      <form onSubmit={submit} className="inline-form">
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} required pattern="[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}" />
        </label>
        <label>
          Repository (URL or path, optional)
          <input value={repoUrl} onChange={(e) => setRepoUrl(e.target.value)} />
        </label>
        <button type="submit" disabled={create.isPending}>
          Create
        </button>
      </form>
      <ErrorText error={create.error} />
    </Card>
  );
}
