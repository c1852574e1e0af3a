// Shape checks on what the host posts: the page only trusts messages it understands.
import type { HostToWebview } from '../src/protocol/webview';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function isHostMessage(v: unknown): v is HostToWebview {
  if (!isObj(v) || typeof v.type !== 'string') return false;
  switch (v.type) {
    case 'model':
      return isObj(v.info) && isObj(v.info.summary) && Array.isArray(v.info.equations) && isObj(v.info.sources);
    case 'loading':
      return true;
    case 'data':
      return isObj(v.data) && Array.isArray(v.data.variables) && Array.isArray(v.data.coordinates) && isObj(v.data.error) && isObj(v.data.xi);
    case 'error':
      return (v.scope === 'file' || v.scope === 'plots') && typeof v.message === 'string' && typeof v.code === 'string';
    case 'notice':
      return typeof v.text === 'string';
    default:
      return false;
  }
}
