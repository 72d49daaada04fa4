// The YAML editor (CodeMirror 6), loaded on its own when an editor is first shown: line numbers,
// YAML highlighting, undo, and each validation problem marked in the gutter and under its text.
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { yaml } from '@codemirror/lang-yaml';
import { bracketMatching, defaultHighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { EditorSelection, EditorState, type Text } from '@codemirror/state';
import { EditorView, drawSelection, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from '@codemirror/view';
import { useEffect, useLayoutEffect, useRef } from 'react';
import type { DefinitionProblem } from '../../services/api.types';

export interface YamlEditorProps {
  value: string;
  onChange: (text: string) => void;
  problems: DefinitionProblem[];
  /** Puts the cursor on this 1-based line when it changes (a new object each time it is asked). */
  goTo?: { line: number; column: number } | null;
  label?: string;
}

/** Problems as CodeMirror diagnostics: from the problem's column to the end of its line. */
export function diagnostics(doc: Text, problems: DefinitionProblem[]): Diagnostic[] {
  return problems.map((problem) => {
    const line = doc.line(Math.min(Math.max(problem.line, 1), doc.lines));
    const from = Math.min(line.from + Math.max(problem.column - 1, 0), line.to);
    return {
      from,
      to: Math.max(from, line.to),
      severity: 'error',
      source: problem.path || 'YAML',
      message: problem.message,
    };
  });
}

export default function YamlEditor({ value, onChange, problems, goTo, label = 'definition' }: YamlEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const changed = useRef(onChange);

  useEffect(() => {
    changed.current = onChange;
  }, [onChange]);

  // Layout effects: the editor and its marks change in the same commit as the page around it, so
  // the problems listed below and their marks in the editor are never seen one without the other.
  useLayoutEffect(() => {
    const editor = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          lintGutter(),
          history(),
          drawSelection(),
          indentOnInput(),
          bracketMatching(),
          highlightActiveLine(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          yaml(),
          EditorState.tabSize.of(2),
          keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
          EditorView.contentAttributes.of({ 'aria-label': label, spellcheck: 'false' }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) changed.current(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // The editor is made once; later values arrive through the effect below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useLayoutEffect(() => {
    const editor = view.current;
    if (editor && editor.state.doc.toString() !== value) {
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value } });
    }
  }, [value]);

  useLayoutEffect(() => {
    const editor = view.current;
    if (editor) editor.dispatch(setDiagnostics(editor.state, diagnostics(editor.state.doc, problems)));
  }, [problems]);

  useEffect(() => {
    const editor = view.current;
    if (!editor || !goTo) return;
    const [diagnostic] = diagnostics(editor.state.doc, [{ line: goTo.line, column: goTo.column, path: '', message: '' }]);
    editor.dispatch({ selection: EditorSelection.cursor(diagnostic.from), scrollIntoView: true });
    editor.focus();
  }, [goTo]);

  return <div ref={host} className="code-editor" data-testid="yaml-editor" />;
}
