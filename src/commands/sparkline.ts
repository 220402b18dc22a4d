// ASCII sparklines (sparkline.c) as LATENCY GRAPH draws them: each sample a column of `rows`
// lines whose height is its value between the sequence's min and max, filled below ('_o#' then
// '|'), then a blank line and each sample's label written downwards under its column.

const CHARSET_FILL = '_o#';
const LABEL_MARGIN_TOP = 1;

// sparklineRenderRange with SPARKLINE_FILL
/** Draws values[offset, offset+len) in rows lines, then their labels; min and max are the whole sequence's. */
function renderRange(values: readonly number[], labels: readonly string[], min: number, max: number, rows: number, offset: number, len: number): string {
  const relmax = max - min === 0 ? 1 : max - min;
  const steps = CHARSET_FILL.length * rows;
  let out = '';
  for (let row = 0; ; row++) {
    let loop = false;
    const chars: string[] = new Array<string>(len).fill(' ');
    for (let j = 0; j < len; j++) {
      // (int)(relval*steps)/relmax, truncated again when stored in an int
      const step = Math.min(Math.max(Math.trunc(Math.trunc((values[j + offset]! - min) * steps) / relmax), 0), steps - 1);
      if (row < rows) {
        const charidx = step - (rows - row - 1) * CHARSET_FILL.length;
        loop = true;
        if (charidx >= 0 && charidx < CHARSET_FILL.length) chars[j] = CHARSET_FILL[charidx]!;
        else if (charidx >= CHARSET_FILL.length) chars[j] = '|';
      } else {
        // The blank line between the graph and the labels.
        if (row - rows < LABEL_MARGIN_TOP) {
          loop = true;
          break;
        }
        const label = labels[j + offset]!;
        const at = row - rows - LABEL_MARGIN_TOP;
        if (label.length > at) {
          loop = true;
          chars[j] = label[at]!;
        }
      }
    }
    if (!loop) return out;
    out += `${chars.join('')}\n`;
  }
}

// sparklineRender
/** The whole sequence, columns samples per block of lines, blocks separated by a blank line. */
export function renderSparkline(values: readonly number[], labels: readonly string[], columns: number, rows: number): string {
  const min = Math.min(...values);
  const max = Math.max(...values);
  let out = '';
  for (let j = 0; j < values.length; j += columns) {
    if (j !== 0) out += '\n';
    out += renderRange(values, labels, min, max, rows, j, Math.min(values.length - j, columns));
  }
  return out;
}
