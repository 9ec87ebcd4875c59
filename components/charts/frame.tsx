import type { ReactNode } from 'react';
import { position, type Axis } from './scale';

/** Plot areas are drawn in a 100 × 100 box stretched to the element, so strokes opt out of the stretching. */
const STRETCHED = { viewBox: '0 0 100 100', preserveAspectRatio: 'none' } as const;
export const CRISP = { vectorEffect: 'non-scaling-stroke' } as const;

/**
 * Classes for the i-th of `count` labels along a horizontal axis, at `at` (0 to 1) of its width: the ends are
 * aligned inside the plot. On a phone, more than four labels would run into each other: only the ends and
 * every other one between them show (never the one next to the last).
 */
export function alongAxis(i: number, count: number, at: number): string {
  const last = count - 1;
  const align = count > 1 && at === 0 ? '' : count > 1 && at === 1 ? '-translate-x-full' : '-translate-x-1/2';
  const onPhone = count <= 4 || i === 0 || i === last || (i % 2 === 0 && i !== last - 1);
  return `absolute top-0 whitespace-nowrap ${align} ${onPhone ? '' : 'max-sm:hidden'}`;
}

/** A chart's figure: its title, then the picture, or an empty state when there is nothing to draw. */
export function ChartFigure({ title, empty, children }: { title: string; empty: string | null; children: ReactNode }) {
  return (
    <figure className="min-w-0 space-y-3">
      <figcaption className="text-sm font-medium">{title}</figcaption>
      {empty === null ? (
        children
      ) : (
        <p className="flex h-32 items-center justify-center rounded-lg border border-dashed border-line text-sm text-muted">{empty}</p>
      )}
    </figure>
  );
}

/**
 * The value axis's labels beside a plot `heightClass` tall, in HTML so they keep their size on any screen.
 * An invisible copy of the widest label gives the column its width, as the visible ones are positioned.
 */
function ValueLabels({ axis, format, heightClass }: { axis: Axis; format: (v: number) => string; heightClass: string }) {
  const labels = axis.ticks.map((tick) => ({ tick, text: format(tick) }));
  const widest = labels.reduce((a, b) => (b.text.length > a.length ? b.text : a), '');
  return (
    <div aria-hidden="true" className={`relative shrink-0 text-right text-xs text-muted tabular-nums ${heightClass}`}>
      <span className="invisible block h-0 overflow-hidden">{widest}</span>
      {labels.map(({ tick, text }) => (
        <span key={tick} className="absolute right-0 translate-y-1/2 leading-none whitespace-nowrap" style={{ bottom: `${position(tick, axis) * 100}%` }}>
          {text}
        </span>
      ))}
    </div>
  );
}

/** Horizontal grid lines at the axis's ticks, for a plot drawn in the STRETCHED box. */
function GridLines({ axis }: { axis: Axis }) {
  return axis.ticks.map((tick) => {
    const y = 100 - position(tick, axis) * 100;
    return <line key={tick} x1={0} x2={100} y1={y} y2={y} stroke={tick === 0 ? 'var(--muted)' : 'var(--line)'} strokeWidth={1} {...CRISP} />;
  });
}

/**
 * A plot against a value axis: the axis's labels on the left, its grid lines, what `children` draw in the
 * STRETCHED box (the SVG screen readers hear as `summary`), then `below` it the labels of the other axis.
 */
export function Plot({
  axis,
  format,
  summary,
  below,
  children,
}: {
  axis: Axis;
  format: (v: number) => string;
  summary: string;
  below: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="flex gap-2">
      <ValueLabels axis={axis} format={format} heightClass="h-48" />
      <div className="min-w-0 flex-1">
        <svg role="img" aria-label={summary} {...STRETCHED} className="block h-48 w-full overflow-visible">
          <GridLines axis={axis} />
          {children}
        </svg>
        {below}
      </div>
    </div>
  );
}

/** The chart's numbers as a table only screen readers (and tests) see. */
export function DataTable({ title, head, rows }: { title: string; head: string[]; rows: string[][] }) {
  // Hidden through a wrapper: a table grows to fit its cells whatever its own width, and would widen the page.
  return (
    <div className="sr-only">
      <table>
        <caption>{title}</caption>
        <thead>
          <tr>
            {head.map((cell) => (
              <th key={cell} scope="col">
                {cell}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map(([first, ...rest], i) => (
            <tr key={i}>
              <th scope="row">{first}</th>
              {rest.map((cell, j) => (
                <td key={j}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
