// Helpers for tests that drive a real VS Code (code-server) and need to read the model view inside its
// webview frame. Webviews are <iframe class="webview"> → inner iframe#active-frame; poll all frames.
//   import { findModelViewFrame, readModelView } from './frame.mjs';
//   const frame = await findModelViewFrame(page);            // equations or the error page
//   const view = await readModelView(frame, { plots: true }); // waits for the plots too

/** Selectors the model view guarantees (kept stable for tests). */
export const MODEL_VIEW = {
  equation: '.equation',
  equationTex: 'annotation[encoding="application/x-tex"]',
  plotsReady: 'body[data-plots="ready"]',
  plotSvg: 'figure.plot .chart svg',
  errorPage: '#error-page',
  reconstruct: '#reconstruct',
};

/**
 * The frame (of any depth) showing the model view once its equations or its error page are there.
 * With `fileName`, only the view of that file: its title (h1) or its error page naming it.
 */
export async function findModelViewFrame(page, timeoutMs = 30_000, { fileName } = {}) {
  const until = Date.now() + timeoutMs;
  const sel = `${MODEL_VIEW.equation} .katex, ${MODEL_VIEW.errorPage}`;
  while (Date.now() < until) {
    for (const f of page.frames()) {
      try {
        if (!(await f.$(sel))) continue;
        if (!fileName) return f;
        const shown = await f.evaluate((errSel) => {
          const err = document.querySelector(errSel);
          return err ? err.textContent ?? '' : document.querySelector('header.top h1')?.textContent ?? '';
        }, MODEL_VIEW.errorPage);
        if (shown === fileName || shown.includes(`${fileName}:`)) return f;
      } catch {
        // detached or navigating frame
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no model view frame${fileName ? ` for ${fileName}` : ''} within ${timeoutMs} ms`);
}

/**
 * What the view shows: one entry per equation ({state, tex, text}), the number of plots drawn (after
 * waiting for them when `plots`), and the error page's text (null when the model opened).
 */
export async function readModelView(frame, { plots = false, timeoutMs = 60_000 } = {}) {
  const error = await frame.$(MODEL_VIEW.errorPage);
  if (error) return { equations: [], plots: 0, error: (await error.textContent()) ?? '' };
  if (plots) await frame.waitForSelector(MODEL_VIEW.plotsReady, { timeout: timeoutMs, state: 'attached' });
  const equations = await frame.$$eval(MODEL_VIEW.equation, (els, texSel) =>
    els.map((e) => ({
      state: e.getAttribute('data-state') ?? '',
      tex: e.querySelector(texSel)?.textContent ?? '',
      // KaTeX's visible text (the MathML part is hidden from sight, not from screen readers).
      text: e.querySelector('.katex-html')?.textContent ?? '',
    })), MODEL_VIEW.equationTex);
  const count = await frame.$$eval(MODEL_VIEW.plotSvg, (s) => s.length);
  return { equations, plots: count, error: null };
}
