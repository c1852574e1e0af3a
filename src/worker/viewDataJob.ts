// The model view's data job: decode a .wsindy file and downsample what the view plots.
import type { ModelViewData } from '../protocol/webview';
import { WsindyError } from '../core/errors';

export async function runViewData(_modelPath: string, _maxPoints: number): Promise<ModelViewData> {
  throw new WsindyError('E_UNAVAILABLE', 'The model view data job is not available in this build.');
}
