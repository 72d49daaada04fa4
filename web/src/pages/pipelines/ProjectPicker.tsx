import { useSearchParams } from 'react-router';
import { useCanOperate, useProjects } from './queries';

/** The project a per-project page shows: `?project=` in the address, else the first project. */
export function useProjectParam() {
  const projects = useProjects();
  const [params, setParams] = useSearchParams();
  const projectId = params.get('project') ?? projects.data?.[0]?.id ?? '';
  const project = projects.data?.find((p) => p.id === projectId);
  const canOperate = useCanOperate(project);
  const select = (id: string) => setParams({ project: id });
  return { projects, projectId, project, canOperate, select };
}

export function ProjectPicker({ value, projects, onChange }: {
  value: string;
  projects: { id: string; name: string }[] | undefined;
  onChange: (id: string) => void;
}) {
  return (
    <label>
      Project{' '}
      <select aria-label="project" value={value} onChange={(e) => onChange(e.target.value)}>
        {projects?.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
      </select>
    </label>
  );
}
