import { useEffect, useId, useRef, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { CategoryEvents } from '../../components/CategoryEvents';
import { Card, Empty, ErrorText } from '../../components/ui';
import { formatTime } from '../../components/format';
import { useApi } from '../../hooks/useSession';
import type { Diagram } from '../../services/api.types';
import { EventCategory } from '../../services/websocket.service';
import { useProjects } from '../pipelines/queries';

function useDiagrams(projectId: string | undefined) {
  const api = useApi();
  return useQuery({
    queryKey: ['architecture', projectId],
    queryFn: () => api.get<Diagram[]>(`/projects/${projectId}/architecture/diagrams`),
    enabled: Boolean(projectId),
  });
}

/** Renders Mermaid text with the mermaid library, loaded only when this page is opened. */
function MermaidView({ text }: { text: string }) {
  const target = useRef<HTMLDivElement>(null);
  const id = useId().replace(/[^a-zA-Z0-9]/g, '');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    void import('mermaid').then(async ({ default: mermaid }) => {
      mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
      try {
        const { svg } = await mermaid.render(`diagram${id}`, text);
        if (!cancelled && target.current) target.current.innerHTML = svg;
      } catch (e) {
        if (!cancelled) setError(e instanceof Error ? e.message : String(e));
      }
    });
    return () => {
      cancelled = true;
    };
  }, [text, id]);
  return (
    <>
      <ErrorText error={error} />
      <div ref={target} className="mermaid-diagram" data-testid="architecture-diagram" style={{ overflowX: 'auto' }} />
    </>
  );
}

function Changes({ diagram }: { diagram: Diagram }) {
  const c = diagram.changes;
  const items = [
    ...c.componentsAdded.map((x) => `+ component ${x}`),
    ...c.componentsRemoved.map((x) => `- component ${x}`),
    ...c.edgesAdded.map(([a, b]) => `+ ${a} → ${b}`),
    ...c.edgesRemoved.map(([a, b]) => `- ${a} → ${b}`),
    ...c.newCycles.map((cycle) => `new cycle: ${cycle.join(' ↔ ')}`),
  ];
  if (items.length === 0) return <p className="muted">No change since the previous diagram.</p>;
  return (
    <ul aria-label="changes">
      {items.map((item) => (
        <li key={item} className={item.startsWith('-') ? 'removed' : 'added'}>
          {item}
        </li>
      ))}
    </ul>
  );
}

export function ArchitecturePage() {
  const api = useApi();
  const queries = useQueryClient();
  const projects = useProjects();
  const [chosen, setChosen] = useState<string | undefined>();
  const projectId = chosen ?? projects.data?.[0]?.id;
  const diagrams = useDiagrams(projectId);
  const analyse = useMutation({
    mutationFn: () => api.post<Diagram>(`/projects/${projectId}/architecture`, {}),
    onSuccess: () => queries.invalidateQueries({ queryKey: ['architecture', projectId] }),
  });
  const latest = diagrams.data?.[0];

  return (
    <div className="stack">
      <Card
        title="Architecture"
        actions={
          <div className="actions">
            <select aria-label="project" value={projectId ?? ''} onChange={(e) => setChosen(e.target.value)}>
              {projects.data?.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
            <button type="button" disabled={!projectId || analyse.isPending} onClick={() => analyse.mutate()}>
              {analyse.isPending ? 'Analysing…' : 'Analyse'}
            </button>
          </div>
        }
      >
        <ErrorText error={projects.error ?? diagrams.error ?? analyse.error} />
        {!latest ? (
          <Empty>No diagram of this project yet: analyse it, or add the conveyor/architecture step.</Empty>
        ) : (
          <>
            <p className="muted" data-testid="diagram-summary">
              {`${latest.ref ?? ''} ${latest.commitSha?.slice(0, 8) ?? ''} · ${latest.summary.components} components · ${latest.summary.edges} edges · ${latest.summary.cycles} cycles · ${latest.summary.breaches} breaches · ${latest.summary.skipped} files skipped · ${formatTime(latest.createdAt)}`}
            </p>
            <Changes diagram={latest} />
            <MermaidView text={latest.mermaid} />
          </>
        )}
      </Card>
      <Card title="Diagram updates">
        <CategoryEvents category={EventCategory.ARCHITECTURE} empty={<>No diagram updates yet.</>} />
      </Card>
    </div>
  );
}
