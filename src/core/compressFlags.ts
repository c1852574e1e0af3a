// The compress flags of a command line, shared by the CLI (src/cli/main.ts) and the notebook kernel's
// cells (src/extension/notebook/cellCommand.ts): one flag list and one mapping onto CompressOptions.
import { OptionError } from './errors';
import type { CompressOptions } from './options';
import { resolveCompressOptions } from './optionsResolve';

/** node:util parseArgs definitions of the compress flags. */
export const COMPRESS_FLAGS = {
  tolerance: { type: 'string' },
  'abs-error': { type: 'string' },
  'model-only': { type: 'boolean' },
  degree: { type: 'string' },
  threshold: { type: 'string' },
  rank: { type: 'string' },
  energy: { type: 'string' },
  trig: { type: 'boolean' },
  'force-model': { type: 'boolean' },
  layout: { type: 'string' },
  'time-column': { type: 'string' },
  dt: { type: 'string' },
  'comment-prefix': { type: 'string' },
  decimal: { type: 'string' },
  streaming: { type: 'boolean' },
  'no-streaming': { type: 'boolean' },
  'streaming-above-mb': { type: 'string' },
} as const;

export type CompressFlagValues = {
  [K in keyof typeof COMPRESS_FLAGS]?: (typeof COMPRESS_FLAGS)[K]['type'] extends 'string' ? string : boolean;
};

export const COMPRESS_FLAG_NAMES = Object.keys(COMPRESS_FLAGS) as (keyof typeof COMPRESS_FLAGS)[];

/** The options the flags ask for; OptionError for values out of range and for flags that contradict each other. */
export function compressOptionsFromFlags(values: CompressFlagValues): CompressOptions {
  if (values.streaming && values['no-streaming']) throw new OptionError('--streaming and --no-streaming contradict each other');
  if (values['model-only'] && (values.tolerance || values['abs-error'])) throw new OptionError('--model-only stores no residual: drop --tolerance/--abs-error');
  return resolveCompressOptions({
    tolerance: values.tolerance,
    absError: values['abs-error'],
    mode: values['model-only'] ? 'model-only' : undefined,
    degree: values.degree,
    threshold: values.threshold,
    rank: values.rank,
    energy: values.energy,
    trig: values.trig,
    forceModel: values['force-model'],
    layout: values.layout,
    timeColumn: values['time-column'],
    dt: values.dt,
    commentPrefix: values['comment-prefix'],
    decimal: values.decimal,
    streaming: values.streaming ? 'on' : values['no-streaming'] ? 'off' : undefined,
    streamingAboveMB: values['streaming-above-mb'],
  });
}
