// Writes the samples of each kind of CSV the reader accepts beyond plain numbers (issue 15): a pandas
// DataFrame.to_csv() with its unnamed index, a logger's ISO 8601 time column, sensor gaps (NaN, empty, NA,
// null), an instrument export with comment lines and a units row, and a spreadsheet export with ';' and
// decimal commas. Run: node --import tsx scripts/makeCsvKindSamples.ts  (writes samples/*.csv)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(__dirname, '..', 'samples');
const m = 2000;
const f = (x: number): string => x.toFixed(6);

/** RK4 of a linear 2-D system x' = a x + b y, y' = c x + d y from (x0, y0), step h, m samples. */
function linear(a: number, b: number, c: number, d: number, x0: number, y0: number, h: number): [number[], number[]] {
  const xs: number[] = [];
  const ys: number[] = [];
  let x = x0;
  let y = y0;
  const rhs = (p: number, q: number): [number, number] => [a * p + b * q, c * p + d * q];
  for (let j = 0; j < m; j++) {
    xs.push(x);
    ys.push(y);
    const k1 = rhs(x, y);
    const k2 = rhs(x + (h / 2) * k1[0], y + (h / 2) * k1[1]);
    const k3 = rhs(x + (h / 2) * k2[0], y + (h / 2) * k2[1]);
    const k4 = rhs(x + h * k3[0], y + h * k3[1]);
    x += (h / 6) * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]);
    y += (h / 6) * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]);
  }
  return [xs, ys];
}

// pandas: x = sin(j), y = cos(j) at index j (dt = 1): x' = y, y' = -x
let s = ',x,y\n';
for (let j = 0; j < m; j++) s += `${j},${f(Math.sin(j))},${f(Math.cos(j))}\n`;
writeFileSync(join(dir, 'pandas_index.csv'), s);

// a logger: one row every 10 s from midnight, x' = 0.01 y, y' = -0.01 x (seconds)
{
  const [x, y] = linear(0, 0.01, -0.01, 0, 1, 0, 10);
  s = 'time,x,y\n';
  const pad = (v: number): string => String(v).padStart(2, '0');
  for (let j = 0; j < m; j++) {
    const t = 10 * j;
    const day = 1 + Math.floor(t / 86400);
    const sod = t % 86400;
    s += `2024-01-${pad(day)} ${pad(Math.floor(sod / 3600))}:${pad(Math.floor(sod / 60) % 60)}:${pad(sod % 60)},${f(x[j])},${f(y[j])}\n`;
  }
  writeFileSync(join(dir, 'logger_datetime.csv'), s);
}

// sensor gaps: a damped oscillator at dt = 0.01 with cells missing in every spelling pandas knows
{
  const [x, y] = linear(0, 1, -1, -0.1, 2, 0, 0.01);
  const spellings = ['NaN', '', 'NA', 'null', 'nan', 'NaN'];
  s = 't,x,y\n';
  for (let j = 0; j < m; j++) {
    const gx = j % 197 === 50 ? spellings[((j / 197) | 0) % spellings.length] : null;
    const gy = j % 331 === 120 ? spellings[((j / 331) | 0) % spellings.length] : null;
    s += `${(j / 100).toFixed(2)},${gx ?? f(x[j])},${gy ?? f(y[j])}\n`;
  }
  writeFileSync(join(dir, 'sensor_gaps.csv'), s);
}

// an instrument export: two comment lines, a header and a units row
{
  const [x, v] = linear(0, 1, -4, -0.2, 0.5, 0, 0.005);
  s = '# Exported by DataLogger 2.4 on 2024-05-01\n# Channel A: displacement, channel B: velocity\ntime,position,velocity\ns,m,m/s\n';
  for (let j = 0; j < m; j++) s += `${(j * 0.005).toFixed(3)},${f(x[j])},${f(v[j])}\n`;
  writeFileSync(join(dir, 'instrument_comments.csv'), s);
}

// a spreadsheet export in a decimal-comma locale: ';' delimiter
{
  const [x, y] = linear(-0.1, 2, -2, -0.1, 1, 1, 0.01);
  s = 't;x;y\r\n';
  for (let j = 0; j < m; j++) s += `${(j / 100).toFixed(2)};${f(x[j])};${f(y[j])}\r\n`.replace(/\./g, ',');
  writeFileSync(join(dir, 'locale_decimal_comma.csv'), s);
}
