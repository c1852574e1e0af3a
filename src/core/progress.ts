// Progress reporting shared by the CLI, the worker and the extension.

export type Phase = 'read' | 'pod' | 'identify' | 'code' | 'write' | 'decode' | 'integrate';

export interface ProgressEvent {
  phase: Phase;
  /** 0..1 within the phase. */
  fraction: number;
  message?: string;
}

export type ProgressSink = (event: ProgressEvent) => void;

export const noProgress: ProgressSink = () => undefined;
