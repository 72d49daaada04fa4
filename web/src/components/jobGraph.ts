// Where each job of a DAG is drawn: one column per dependency depth (a job sits right of everything
// it needs), rows ordered so edges cross little, and the edges between them.

export interface GraphNode {
  key: string;
  needs: string[];
}

export const NODE_WIDTH = 190;
export const NODE_HEIGHT = 44;
const COLUMN_GAP = 56;
const ROW_GAP = 14;
const MARGIN = 4;

export interface PlacedNode<T extends GraphNode> {
  node: T;
  column: number;
  row: number;
  x: number;
  y: number;
}

export interface Edge {
  from: string;
  to: string;
  path: string; // SVG path data
}

export interface Layout<T extends GraphNode> {
  nodes: PlacedNode<T>[];
  edges: Edge[];
  width: number;
  height: number;
}

/** Each node's column: 0 for nodes that need nothing, else one more than the deepest node it needs. */
export function stages<T extends GraphNode>(nodes: T[]): T[][] {
  const byKey = new Map(nodes.map((node) => [node.key, node]));
  const depth = new Map<string, number>();
  const visit = (node: T, path: Set<string>): number => {
    const known = depth.get(node.key);
    if (known !== undefined) return known;
    if (path.has(node.key)) return 0; // a cycle cannot be stored, but never loop on one
    path.add(node.key);
    const needed = node.needs.map((key) => byKey.get(key)).filter((n): n is T => n !== undefined);
    const value = needed.length ? Math.max(...needed.map((n) => visit(n, path))) + 1 : 0;
    depth.set(node.key, value);
    return value;
  };
  const columns: T[][] = [];
  for (const node of nodes) (columns[visit(node, new Set())] ??= []).push(node);
  return columns.filter(Boolean);
}

/** Stages placed on a grid; within a column, nodes follow the mean row of what they need. */
export function layout<T extends GraphNode>(nodes: T[]): Layout<T> {
  const rows = new Map<string, number>();
  const placed: PlacedNode<T>[] = [];
  const columns = stages(nodes);
  columns.forEach((column, columnIndex) => {
    const ordered = column
      .map((node, index) => ({ node, index, weight: meanRow(node, rows) ?? index }))
      .sort((a, b) => a.weight - b.weight || a.index - b.index);
    ordered.forEach(({ node }, row) => {
      rows.set(node.key, row);
      placed.push({ node, column: columnIndex, row, x: MARGIN + columnIndex * (NODE_WIDTH + COLUMN_GAP), y: MARGIN + row * (NODE_HEIGHT + ROW_GAP) });
    });
  });
  const at = new Map(placed.map((p) => [p.node.key, p]));
  const edges: Edge[] = [];
  for (const target of placed) {
    for (const need of target.node.needs) {
      const source = at.get(need);
      if (source) edges.push({ from: need, to: target.node.key, path: curve(source, target) });
    }
  }
  const tallest = Math.max(0, ...columns.map((column) => column.length));
  return {
    nodes: placed,
    edges,
    width: MARGIN * 2 + columns.length * NODE_WIDTH + Math.max(0, columns.length - 1) * COLUMN_GAP,
    height: MARGIN * 2 + tallest * NODE_HEIGHT + Math.max(0, tallest - 1) * ROW_GAP,
  };
}

function meanRow(node: GraphNode, rows: Map<string, number>): number | undefined {
  const known = node.needs.map((key) => rows.get(key)).filter((row): row is number => row !== undefined);
  return known.length ? known.reduce((sum, row) => sum + row, 0) / known.length : undefined;
}

function curve(source: { x: number; y: number }, target: { x: number; y: number }): string {
  const x1 = source.x + NODE_WIDTH;
  const y1 = source.y + NODE_HEIGHT / 2;
  const x2 = target.x;
  const y2 = target.y + NODE_HEIGHT / 2;
  const bend = (x2 - x1) / 2;
  return `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`;
}

/** Text cut to fit a node, with an ellipsis. */
export function fit(text: string, chars: number): string {
  return text.length <= chars ? text : `${text.slice(0, chars - 1)}…`;
}
