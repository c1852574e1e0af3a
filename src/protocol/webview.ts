// Messages between the model view (webview) and the extension host, and the data the view plots.
// Owned by the model-view work; the placeholder below is extended there.

/** All the model view shows beyond the header: plots' data, already downsampled. */
export interface ModelViewData {
  placeholder?: never;
}
