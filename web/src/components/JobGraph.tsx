// A job DAG drawn as SVG: columns by dependency depth, an edge per `needs`, each job colored by its
// live status when it has one. Choosing a job (click, Enter or Space) calls `onSelect`.
import type { KeyboardEvent } from 'react';
import { NODE_HEIGHT, NODE_WIDTH, fit, layout, type GraphNode } from './jobGraph';

export interface JobGraphNode extends GraphNode {
  name: string;
  status?: string; // a run's job status; none for a definition
  detail?: string; // e.g. the duration, or the matrix axes
}

export function JobGraph({
  jobs,
  selected,
  onSelect,
  label = 'job graph',
}: {
  jobs: JobGraphNode[];
  selected?: string;
  onSelect?: (key: string) => void;
  label?: string;
}) {
  const drawn = layout(jobs);
  const chosen = (key: string) => onSelect?.(key);
  const onKey = (event: KeyboardEvent, key: string) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      chosen(key);
    }
  };
  return (
    <div className="job-graph">
      <svg
        role="group"
        aria-label={label}
        width={drawn.width}
        height={drawn.height}
        viewBox={`0 0 ${drawn.width} ${drawn.height}`}
      >
        {drawn.edges.map((edge) => (
          <path
            key={`${edge.from}->${edge.to}`}
            className={`graph-edge${selected && (edge.from === selected || edge.to === selected) ? ' active' : ''}`}
            data-edge={`${edge.from}->${edge.to}`}
            d={edge.path}
          />
        ))}
        {drawn.nodes.map(({ node, x, y }) => (
          <g
            key={node.key}
            className={`dag-job status-${node.status ?? 'none'}${node.key === selected ? ' selected' : ''}`}
            data-job={node.key}
            data-status={node.status}
            transform={`translate(${x},${y})`}
            role={onSelect ? 'button' : 'img'}
            tabIndex={onSelect ? 0 : undefined}
            aria-label={`${node.name}${node.status ? `: ${node.status.replace('_', ' ')}` : ''}`}
            aria-pressed={onSelect ? node.key === selected : undefined}
            onClick={() => chosen(node.key)}
            onKeyDown={(event) => onKey(event, node.key)}
          >
            <title>{[node.name, node.needs.length ? `needs ${node.needs.join(', ')}` : ''].filter(Boolean).join('\n')}</title>
            <rect width={NODE_WIDTH} height={NODE_HEIGHT} rx={7} />
            <circle className="status-dot" cx={16} cy={NODE_HEIGHT / 2} r={6} />
            <text className="job-name" x={30} y={19}>
              {fit(node.name, 22)}
            </text>
            <text className="job-detail" x={30} y={34}>
              {[node.status?.replace('_', ' '), node.detail].filter(Boolean).join(' · ')}
            </text>
          </g>
        ))}
      </svg>
    </div>
  );
}
