// The model view's data job: decode a .wsindy file and downsample what the view plots.
import { readFile } from 'node:fs/promises';
import type { ModelViewData } from '../protocol/webview';
import type { ProgressSink } from '../core/progress';
import { buildModelViewData } from '../core/view/viewData';

export async function runViewData(modelPath: string, maxPoints: number, progress?: ProgressSink): Promise<ModelViewData> {
  const bytes = new Uint8Array(await readFile(modelPath));
  return buildModelViewData(bytes, maxPoints, progress);
}
