// A YAML definition with line numbers: read-only, or editable with the line a validation error
// names ("line 3: ...") marked and the cursor put on it.
import { useEffect, useRef } from 'react';

/** The 1-based lines a server validation message points at ("line 3: ..."), in order. */
export function errorLines(message: string | null | undefined): number[] {
  return [...new Set([...(message ?? '').matchAll(/\bline (\d+)\b/g)].map((match) => Number(match[1])))].sort((a, b) => a - b);
}

export function DefinitionView({ text }: { text: string }) {
  const lines = text.replace(/\n$/, '').split('\n');
  return (
    <pre className="definition" aria-label="definition">
      {lines.map((line, index) => (
        <div key={index} className="def-line" id={`D${index + 1}`}>
          <span className="n" data-n={index + 1} />
          <span className="text">{line || ' '}</span>
        </div>
      ))}
    </pre>
  );
}

export function DefinitionEditor({ value, onChange, error }: { value: string; onChange: (text: string) => void; error: string | null }) {
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const marked = errorLines(error);
  const bad = marked[0] ?? null;
  const count = value.split('\n').length;

  useEffect(() => {
    const textarea = area.current;
    if (bad === null || !textarea) return;
    const lines = textarea.value.split('\n');
    const start = lines.slice(0, bad - 1).reduce((sum, line) => sum + line.length + 1, 0);
    textarea.focus();
    textarea.setSelectionRange(start, start + (lines[bad - 1]?.length ?? 0));
  }, [bad, error]);

  return (
    <div className="editor">
      <div className="gutter" ref={gutter} aria-hidden="true">
        {Array.from({ length: count }, (_, index) => (
          <div key={index} className={marked.includes(index + 1) ? 'bad' : undefined}>
            {index + 1}
          </div>
        ))}
      </div>
      <textarea
        ref={area}
        aria-label="definition"
        aria-invalid={bad !== null}
        rows={Math.min(Math.max(count + 1, 8), 40)}
        value={value}
        spellCheck={false}
        wrap="off"
        onChange={(event) => onChange(event.target.value)}
        onScroll={(event) => gutter.current?.scrollTo({ top: event.currentTarget.scrollTop })}
      />
    </div>
  );
}
