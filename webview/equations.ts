// Equations as KaTeX, folded when long: a line shows its first terms and "+ N more terms"; unfolded,
// the terms are set a few per line, each line its own katex.render (one expression of hundreds of terms
// exceeds KaTeX's limits and is slow). Never raw LaTeX: a line KaTeX refuses is shown as plain text.
import katex from 'katex';
import type { EquationLine } from '../src/protocol/webview';
import { h } from './dom';

/** Equations with more terms than this are folded. */
export const FOLD_ABOVE = 8;
/** Terms shown while folded. */
export const FOLDED_TERMS = 6;
/** Terms per line when unfolded. */
export const TERMS_PER_LINE = 8;

export interface EquationOptions {
  /** States shown unfolded. */
  unfolded: ReadonlySet<string>;
  onToggle(state: string, open: boolean): void;
}

/** katex.render into `el` (DOM, CSP-safe; MathML kept for screen readers), else the plain text. */
function tex(el: HTMLElement, source: string, fallback: string): void {
  try {
    katex.render(source, el, { displayMode: true, output: 'htmlAndMathml', throwOnError: true, trust: false, strict: 'ignore' });
  } catch {
    el.replaceChildren(h('span', { class: 'equation-text' }, fallback));
  }
}

/** Lines of the unfolded equation: `lhs = t0 … t7`, then `t8 … t15`, … */
export function unfoldedLines(lhs: string, terms: readonly string[], perLine = TERMS_PER_LINE): string[] {
  const lines: string[] = [];
  for (let i = 0; i < terms.length; i += perLine) {
    const chunk = terms.slice(i, i + perLine).join(' ');
    lines.push(i === 0 ? `${lhs} = ${chunk}` : `\\qquad ${chunk}`);
  }
  return lines.length ? lines : [`${lhs} = 0`];
}

/** The folded line's LaTeX and how many terms it leaves out (0: nothing to fold). */
export function foldedLine(lhs: string, terms: readonly string[]): { latex: string; hidden: number } {
  if (terms.length <= FOLD_ABOVE) return { latex: `${lhs} = ${terms.join(' ') || '0'}`, hidden: 0 };
  return { latex: `${lhs} = ${terms.slice(0, FOLDED_TERMS).join(' ')} + \\cdots`, hidden: terms.length - FOLDED_TERMS };
}

function renderOne(line: EquationLine, opts: EquationOptions): HTMLElement {
  const block = h('div', { class: 'equation-block' });
  const head = h('div', { class: 'equation', 'data-state': line.state });
  block.append(head);
  if (line.lhs === undefined || line.terms === undefined) {
    // A host without per-term LaTeX: the whole line, or its text.
    tex(head, line.latex, line.text);
    return block;
  }
  const lhs = line.lhs;
  const terms = line.terms;
  const { latex, hidden } = foldedLine(lhs, terms);
  if (hidden === 0) {
    tex(head, latex, line.text);
    return block;
  }
  const more = h('div', { class: 'equation-more' });
  const toggle = h('vscode-button', { appearance: 'secondary', class: 'fold-toggle', 'data-fold': line.state, 'aria-expanded': 'false' });
  const show = (open: boolean): void => {
    toggle.setAttribute('aria-expanded', String(open));
    toggle.textContent = open ? 'Show fewer terms' : `+ ${hidden} more terms`;
    if (open) {
      const lines = unfoldedLines(lhs, terms);
      tex(head, lines[0], line.text);
      more.replaceChildren(...lines.slice(1).map((l, i) => {
        const el = h('div', { class: 'equation-cont' });
        tex(el, l, `(terms ${(i + 1) * TERMS_PER_LINE + 1}–${Math.min(terms.length, (i + 2) * TERMS_PER_LINE)}: see the Text tab)`);
        return el;
      }));
    } else {
      tex(head, latex, line.text);
      more.replaceChildren();
    }
  };
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    opts.onToggle(line.state, open);
    show(open);
  });
  show(opts.unfolded.has(line.state));
  block.append(more, toggle);
  return block;
}

export function renderEquations(into: HTMLElement, lines: readonly EquationLine[], opts: EquationOptions): void {
  into.replaceChildren(...lines.map((l) => renderOne(l, opts)));
}
