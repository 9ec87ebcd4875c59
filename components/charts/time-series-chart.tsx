import { alongAxis, ChartFigure, CRISP, DataTable, Plot } from './frame';
import { datePositions, dateTicks, formatDay, formatNumber, niceAxis, position } from './scale';

export interface Series {
  name: string;
  points: { date: string /* YYYY-MM-DD */; value: number }[];
}

interface TimeSeriesChartProps {
  title: string;
  series: Series[];
  formatValue?: (v: number) => string;
  /** What an empty chart says. */
  empty?: string;
}

/** Colours in theme order; every other series is dashed too, so colour is not the only way to tell them apart. */
const COLOURS = ['var(--brand)', 'var(--ok)', 'var(--warn)', 'var(--muted)'];
const colourOf = (i: number) => COLOURS[i % COLOURS.length];
const dashOf = (i: number) => (i % 2 === 1 ? '6 4' : undefined);

/** Up to a month of days gets a dot on each point; beyond that dots would merge on a phone. */
const DOTS_UP_TO = 31;

function Legend({ series }: { series: Series[] }) {
  return (
    <ul aria-hidden="true" className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-muted">
      {series.map((s, i) => (
        <li key={s.name} className="flex items-center gap-1.5">
          <svg viewBox="0 0 20 4" className="h-1 w-5" aria-hidden="true">
            <line x1={0} x2={20} y1={2} y2={2} stroke={colourOf(i)} strokeWidth={4} strokeDasharray={dashOf(i) === undefined ? undefined : '5 3'} />
          </svg>
          {s.name}
        </li>
      ))}
    </ul>
  );
}

/** "Licence volume: highest 120 on Nov 3, latest 0 on Nov 24". */
function describe(s: Series, format: (v: number) => string, withYear: boolean): string {
  if (s.points.length === 0) return `${s.name}: no data`;
  if (s.points.every((p) => p.value === 0)) return `${s.name}: ${format(0)} every day`;
  const peak = s.points.reduce((a, b) => (b.value > a.value ? b : a));
  const last = s.points.reduce((a, b) => (b.date > a.date ? b : a));
  return `${s.name}: highest ${format(peak.value)} on ${formatDay(peak.date, withYear)}, latest ${format(last.value)} on ${formatDay(last.date, withYear)}`;
}

/**
 * Values over days as lines, in plain server-rendered SVG (no JavaScript shipped) stretched to its box, with
 * labels in HTML so they stay legible on a phone. Screen readers get a summary and a table of every day.
 */
export function TimeSeriesChart({ title, series, formatValue = formatNumber, empty = 'No sales yet' }: TimeSeriesChartProps) {
  const dates = [...new Set(series.flatMap((s) => s.points.map((p) => p.date)))].sort();
  const axis = niceAxis(series.flatMap((s) => s.points.map((p) => p.value)));
  const x = datePositions(dates);
  const withYear = dates.length > 0 && dates[0]?.slice(0, 4) !== dates[dates.length - 1]?.slice(0, 4);
  const y = (value: number) => 100 - position(value, axis) * 100;
  const span = dates.length === 0 ? '' : `, ${formatDay(dates[0] ?? '', withYear)} to ${formatDay(dates[dates.length - 1] ?? '', withYear)}`;
  const summary = `${title}${span}. ${series.map((s) => describe(s, formatValue, withYear)).join('. ')}.`;
  const ticks = dateTicks(dates);
  const dateLabels = (
    <div aria-hidden="true" className="relative mt-2 h-4 text-xs text-muted">
      {ticks.map((date, i) => {
        const at = x.get(date) ?? 0;
        return (
          <span key={date} className={alongAxis(i, ticks.length, at)} style={{ left: `${at * 100}%` }}>
            {formatDay(date, withYear)}
          </span>
        );
      })}
    </div>
  );
  const valueOn = new Map(series.map((s) => [s.name, new Map(s.points.map((p) => [p.date, p.value]))]));

  return (
    <ChartFigure title={title} empty={dates.length === 0 ? empty : null}>
      {series.length > 1 ? <Legend series={series} /> : null}
      <Plot axis={axis} format={formatValue} summary={summary} below={dateLabels}>
        {series.map((s, i) => {
          const points = [...s.points].sort((a, b) => (a.date < b.date ? -1 : 1)).map((p) => ({ ...p, x: (x.get(p.date) ?? 0) * 100, y: y(p.value) }));
          const line = points.map((p) => `${p.x},${p.y}`).join(' ');
          return (
            <g key={s.name} stroke={colourOf(i)}>
              {i === 0 && points.length > 1 ? (
                <polygon
                  points={`${points[0]?.x},${y(0)} ${line} ${points[points.length - 1]?.x},${y(0)}`}
                  fill={colourOf(i)}
                  fillOpacity={0.08}
                  stroke="none"
                />
              ) : null}
              <polyline points={line} fill="none" strokeWidth={2} strokeDasharray={dashOf(i)} strokeLinejoin="round" {...CRISP} />
              {points.length <= DOTS_UP_TO
                ? points.map((p) => (
                    // A zero-length path with round caps draws a dot that stays round in the stretched box.
                    <path key={p.date} d={`M${p.x} ${p.y}h0`} strokeWidth={6} strokeLinecap="round" {...CRISP}>
                      <title>{`${s.name}, ${formatDay(p.date, withYear)}: ${formatValue(p.value)}`}</title>
                    </path>
                  ))
                : null}
            </g>
          );
        })}
      </Plot>
      <DataTable
        title={title}
        head={['Date', ...series.map((s) => s.name)]}
        rows={dates.map((date) => [
          date,
          ...series.map((s) => {
            const value = valueOn.get(s.name)?.get(date);
            return value === undefined ? '–' : formatValue(value);
          }),
        ])}
      />
    </ChartFigure>
  );
}
