// "Compress with Options…": a short multi-step input (mode, tolerance, degree, rank) prefilled from
// the settings, with a Back button; every typed value is checked by the core's option resolver.
import * as vscode from 'vscode';
import type { CompressionMode, CompressOptions } from '../core/options';
import { resolveCompressOptions } from '../core/optionsResolve';

const BACK = Symbol('back');
type Step<T> = Promise<T | typeof BACK | undefined>;

const TITLE = 'Weak-SINDy: Compress with Options';

function pickOne<T>(step: number, total: number, placeholder: string, items: (vscode.QuickPickItem & { value: T })[], current: T): Step<T> {
  return new Promise((resolve) => {
    const qp = vscode.window.createQuickPick<vscode.QuickPickItem & { value: T }>();
    qp.title = TITLE;
    qp.step = step;
    qp.totalSteps = total;
    qp.placeholder = placeholder;
    qp.items = items;
    qp.activeItems = items.filter((i) => i.value === current);
    qp.buttons = step > 1 ? [vscode.QuickInputButtons.Back] : [];
    qp.ignoreFocusOut = true;
    let done = false;
    const finish = (v: T | typeof BACK | undefined): void => {
      if (done) return;
      done = true;
      resolve(v);
      qp.dispose();
    };
    qp.onDidTriggerButton((b) => b === vscode.QuickInputButtons.Back && finish(BACK));
    qp.onDidAccept(() => finish(qp.selectedItems[0]?.value ?? qp.activeItems[0]?.value));
    qp.onDidHide(() => finish(undefined));
    qp.show();
  });
}

function typeValue(step: number, total: number, prompt: string, value: string, validate: (v: string) => string | undefined): Step<string> {
  return new Promise((resolve) => {
    const box = vscode.window.createInputBox();
    box.title = TITLE;
    box.step = step;
    box.totalSteps = total;
    box.prompt = prompt;
    box.value = value;
    box.buttons = step > 1 ? [vscode.QuickInputButtons.Back] : [];
    box.ignoreFocusOut = true;
    let done = false;
    const finish = (v: string | typeof BACK | undefined): void => {
      if (done) return;
      done = true;
      resolve(v);
      box.dispose();
    };
    box.onDidChangeValue((v) => {
      box.validationMessage = validate(v);
    });
    box.onDidTriggerButton((b) => b === vscode.QuickInputButtons.Back && finish(BACK));
    box.onDidAccept(() => {
      const msg = validate(box.value);
      box.validationMessage = msg;
      if (!msg) finish(box.value);
    });
    box.onDidHide(() => finish(undefined));
    box.show();
  });
}

/** Null when the value is acceptable for `option`, else the resolver's message. */
export function checkOption(option: 'tolerance' | 'rank', value: string): string | undefined {
  const v = value.trim();
  try {
    resolveCompressOptions({ [option]: v });
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** Ask for the four options; undefined when the user dismissed the input. */
export async function askCompressOptions(current: CompressOptions): Promise<Partial<CompressOptions> | undefined> {
  const answers = { mode: current.mode, tolerance: String(current.tolerance), degree: current.degree, rank: String(current.rank) };
  let step = 1;
  for (;;) {
    const total = answers.mode === 'error-bounded' ? 4 : 3;
    // Visible step numbers skip the tolerance when it does not apply.
    const shown = (s: number): number => (answers.mode === 'model-only' && s > 2 ? s - 1 : s);
    if (step === 1) {
      const r = await pickOne<CompressionMode>(1, total, 'What should the .wsindy file keep?', [
        { label: 'error-bounded', value: 'error-bounded', description: 'model + residual', detail: 'Every reconstructed value is within the error bound.' },
        { label: 'model-only', value: 'model-only', description: 'equations only', detail: 'Smallest file; reconstruction is the model\'s prediction.' },
      ], answers.mode);
      if (r === undefined) return undefined;
      if (r !== BACK) {
        answers.mode = r;
        step = r === 'error-bounded' ? 2 : 3;
      }
    } else if (step === 2) {
      const r = await typeValue(shown(2), total, 'Error bound relative to the data range (> 0 and ≤ 0.5), e.g. 0.001', answers.tolerance, (v) => checkOption('tolerance', v));
      if (r === undefined) return undefined;
      if (r === BACK) step = 1;
      else {
        answers.tolerance = r.trim();
        step = 3;
      }
    } else if (step === 3) {
      const r = await pickOne<number | 'auto'>(shown(3), total, 'Polynomial degree of the library', [
        { label: 'auto', value: 'auto' as const, description: 'chosen from the data (1 to 5)' },
        ...[1, 2, 3, 4, 5].map((d) => ({
          label: String(d),
          value: d,
          description: d === 1 ? 'linear' : d === 2 ? 'quadratic (e.g. Lorenz)' : d === 3 ? 'cubic (e.g. Duffing, Van der Pol)' : undefined,
        })),
      ], answers.degree);
      if (r === undefined) return undefined;
      if (r === BACK) step = answers.mode === 'error-bounded' ? 2 : 1;
      else {
        answers.degree = r;
        step = 4;
      }
    } else {
      const r = await typeValue(shown(4), total, 'POD rank: "auto" (by energy) or an integer from 1 to 64', answers.rank, (v) => checkOption('rank', v));
      if (r === undefined) return undefined;
      if (r === BACK) step = 3;
      else {
        answers.rank = r.trim();
        break;
      }
    }
  }
  const resolved = resolveCompressOptions({
    mode: answers.mode,
    tolerance: answers.tolerance,
    degree: answers.degree,
    rank: answers.rank,
  });
  return { mode: resolved.mode, tolerance: resolved.tolerance, degree: resolved.degree, rank: resolved.rank };
}
