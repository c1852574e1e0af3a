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

/**
 * Seconds per phase: lap(phase) adds the time since the previous lap (or since the timer was made);
 * restart() forgets the time since then (when another timer measured it).
 */
export function phaseTimer(): { timings: Record<string, number>; lap: (phase: string) => void; restart: () => void } {
  const timings: Record<string, number> = {};
  let t = performance.now();
  return {
    timings,
    lap: (phase) => {
      const now = performance.now();
      timings[phase] = (timings[phase] ?? 0) + (now - t) / 1000;
      t = now;
    },
    restart: () => {
      t = performance.now();
    },
  };
}
