// The model view's HTML and its Content-Security-Policy. No 'vscode' import, so the headless browser
// tests load exactly the page the editor shows.

export interface ModelViewHtmlParams {
  /** webview.cspSource */
  cspSource: string;
  nonce: string;
  /** A second nonce, for the one <style> element FAST (the toolkit) creates to probe :focus-visible. */
  styleNonce: string;
  /** URIs (already asWebviewUri'd) of the bundle and the stylesheets. */
  scriptUri: string;
  katexCssUri: string;
  cssUri: string;
  /** The page's parts (media/view.css, shared with the notebook renderer). */
  viewCssUri: string;
}

export function contentSecurityPolicy(cspSource: string, nonce: string, styleNonce: string): string {
  // No 'unsafe-eval' (vega runs its AST interpreter), no 'unsafe-inline' anywhere: KaTeX and vega set
  // styles through the CSSOM and the toolkit through constructable stylesheets, which CSP allows.
  // The style nonce is for FAST's focus-visible probe: it reads <meta property="csp-nonce"> and puts
  // it on the <style> it creates; without it that probe is a CSP violation (harmless, but noisy).
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${styleNonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join('; ');
}

const escapeAttr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function modelViewHtml(p: ModelViewHtmlParams): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(contentSecurityPolicy(p.cspSource, p.nonce, p.styleNonce))}">
<meta property="csp-nonce" content="${escapeAttr(p.styleNonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttr(p.katexCssUri)}">
<link rel="stylesheet" href="${escapeAttr(p.cssUri)}">
<link rel="stylesheet" href="${escapeAttr(p.viewCssUri)}">
<title>Weak-SINDy model</title>
</head>
<body>
<main id="root" aria-busy="true"><p class="note">Loading the model…</p></main>
<script nonce="${escapeAttr(p.nonce)}" src="${escapeAttr(p.scriptUri)}"></script>
</body>
</html>
`;
}

/** 32 random alphanumerics, from a CSPRNG (Web Crypto is global in Node 20 and browsers). */
export function makeNonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = new Uint8Array(32);
  globalThis.crypto.getRandomValues(bytes);
  let s = '';
  for (const b of bytes) s += chars[b % chars.length];
  return s;
}
