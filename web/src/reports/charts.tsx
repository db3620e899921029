/** One series of a chart: a name for the legend, a value per bucket (null: nothing to show), its colour. */
export interface Series {
  name: string;
  values: Array<number | null>;
  color: string;
}

const WIDTH = 640;
const HEIGHT = 200;
const PAD = { left: 76, right: 12, top: 12, bottom: 28 };

/**
 * A chart as inline SVG in a figure: `role="img"` with `summary` as its text alternative (what the
 * series say, in a sentence), the title as the caption and a legend. `bars` draws the series side by
 * side per bucket, `lines` joins the values (a gap where a value is null).
 */
export function Chart({
  title,
  summary,
  kind,
  labels,
  series,
  format = (value) => String(value),
}: {
  title: string;
  summary: string;
  kind: 'bars' | 'lines';
  labels: string[];
  series: Series[];
  format?: (value: number) => string;
}) {
  const values = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const max = Math.max(1, ...values);
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const n = Math.max(1, labels.length);
  const slot = plotW / n;
  const y = (value: number) => PAD.top + plotH - (value / max) * plotH;
  const x = (i: number) => PAD.left + slot * i + slot / 2;
  const ticks = labels.length <= 8 ? labels.map((_, i) => i) : [0, Math.floor((n - 1) / 2), n - 1];
  return (
    <figure class="sb-report__chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary}>
        <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(0)} y2={y(0)} class="sb-report__axis" />
        <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(max)} y2={y(max)} class="sb-report__grid" />
        <text x={PAD.left - 6} y={y(max) + 4} text-anchor="end" class="sb-report__tick">
          {format(max)}
        </text>
        <text x={PAD.left - 6} y={y(0) + 4} text-anchor="end" class="sb-report__tick">
          0
        </text>
        {ticks.map((i) => (
          <text key={i} x={x(i)} y={HEIGHT - 8} text-anchor="middle" class="sb-report__tick">
            {labels[i]}
          </text>
        ))}
        {kind === 'bars'
          ? series.map((s, k) => {
              const barW = Math.max(1, (slot * 0.8) / series.length);
              return s.values.map((v, i) =>
                v === null || v === 0 ? null : (
                  <rect
                    key={`${k}-${i}`}
                    x={PAD.left + slot * i + slot * 0.1 + barW * k}
                    y={y(v)}
                    width={barW}
                    height={y(0) - y(v)}
                    fill={s.color}
                  />
                ),
              );
            })
          : series.map((s) => (
              <g key={s.name}>
                <path d={linePath(s.values, x, y)} fill="none" stroke={s.color} stroke-width="2" />
                {s.values.map((v, i) =>
                  v === null ? null : <circle key={i} cx={x(i)} cy={y(v)} r="2.5" fill={s.color} />,
                )}
              </g>
            ))}
      </svg>
      <ul class="sb-report__legend" aria-hidden="true">
        {series.map((s) => (
          <li key={s.name}>
            <span class="sb-report__swatch" style={{ background: s.color }} />
            {s.name}
          </li>
        ))}
      </ul>
    </figure>
  );
}

function linePath(values: Array<number | null>, x: (i: number) => number, y: (v: number) => number): string {
  let d = '';
  let pen = false;
  for (const [i, v] of values.entries()) {
    if (v === null) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)} `;
    pen = true;
  }
  return d.trim();
}
