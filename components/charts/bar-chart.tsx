import Link from 'next/link';
import type { ReactNode } from 'react';
import { alongAxis, ChartFigure, CRISP, DataTable, Plot } from './frame';
import { formatNumber, listSummary, niceAxis, position, type Axis } from './scale';

export interface Bar {
  label: string;
  value: number;
  /** Makes the bar's label a link, e.g. to the dataset it stands for. */
  href?: string;
}

interface BarChartProps {
  title: string;
  data: Bar[];
  formatValue?: (v: number) => string;
  /** Bars grow rightwards under their labels: for long labels such as dataset titles. */
  horizontal?: boolean;
  /** What an empty chart says. */
  empty?: string;
}

/** A label under or above its bar: a link when the bar has one, else decoration the data table repeats. */
function BarLabel({ bar, className }: { bar: Bar; className: string }) {
  if (bar.href === undefined) {
    return (
      <span aria-hidden="true" className={className} title={bar.label}>
        {bar.label}
      </span>
    );
  }
  return (
    <Link href={bar.href} className={`${className} text-ink underline-offset-2 hover:text-brand hover:underline`} title={bar.label}>
      {bar.label}
    </Link>
  );
}

/** The extent of a bar from zero to its value, as fractions of the axis. */
function extent(value: number, axis: Axis): { from: number; size: number } {
  const zero = position(0, axis);
  const end = position(value, axis);
  return { from: Math.min(zero, end), size: Math.abs(end - zero) };
}

function VerticalBars({ data, axis, format, summary }: { data: Bar[]; axis: Axis; format: (v: number) => string; summary: string }) {
  const slot = 100 / data.length;
  const labels = (
    <div className="mt-2 flex">
      {data.map((bar, i) => (
        <div key={i} className="min-w-0 flex-1 px-0.5 text-center">
          {/* Wrapped between words (and after dashes: "500–1000") only; a long word may reach into the gap beside it. */}
          <BarLabel bar={bar} className="block text-[11px] leading-tight text-muted sm:text-xs" />
        </div>
      ))}
    </div>
  );
  return (
    <Plot axis={axis} format={format} summary={summary} below={labels}>
      {data.map((bar, i) => {
        const { from, size } = extent(bar.value, axis);
        return (
          <rect key={i} x={i * slot + slot * 0.2} width={slot * 0.6} y={100 - (from + size) * 100} height={size * 100} fill="var(--brand)">
            <title>{`${bar.label}: ${format(bar.value)}`}</title>
          </rect>
        );
      })}
    </Plot>
  );
}

/** One row per bar: its label (up to two lines) and value, then the bar; one SVG draws every bar behind them. */
function HorizontalBars({ data, axis, format, summary }: { data: Bar[]; axis: Axis; format: (v: number) => string; summary: string }) {
  const ROW = 60; // px: two 20 px label lines, then the bar band
  const height = data.length * ROW;
  const ticks: ReactNode[] = axis.ticks.map((tick, i) => (
    <span key={tick} className={alongAxis(i, axis.ticks.length, position(tick, axis))} style={{ left: `${position(tick, axis) * 100}%` }}>
      {format(tick)}
    </span>
  ));
  return (
    <div>
      <div className="relative" style={{ height }}>
        <svg role="img" aria-label={summary} viewBox={`0 0 100 ${height}`} preserveAspectRatio="none" className="absolute inset-0 block h-full w-full">
          {data.map((bar, i) => {
            const { from, size } = extent(bar.value, axis);
            const y = i * ROW + 46;
            return (
              <g key={i}>
                <rect x={0} width={100} y={y} height={8} fill="var(--brand-soft)" />
                <rect x={from * 100} width={size * 100} y={y} height={8} fill="var(--brand)">
                  <title>{`${bar.label}: ${format(bar.value)}`}</title>
                </rect>
              </g>
            );
          })}
          {axis.min < 0 ? (
            <line x1={position(0, axis) * 100} x2={position(0, axis) * 100} y1={0} y2={height} stroke="var(--muted)" strokeWidth={1} {...CRISP} />
          ) : null}
        </svg>
        {/* Plain boxes, not a list: without links, screen readers skip them for the summary and the table. */}
        <div className="relative">
          {data.map((bar, i) => (
            <div key={i} style={{ height: ROW }}>
              <div className="flex h-10 items-end justify-between gap-3 text-sm">
                <BarLabel bar={bar} className="line-clamp-2 min-w-0 leading-5" />
                <span aria-hidden="true" className="shrink-0 leading-5 font-medium tabular-nums">
                  {format(bar.value)}
                </span>
              </div>
            </div>
          ))}
        </div>
      </div>
      <div aria-hidden="true" className="relative mt-1 h-4 text-xs text-muted tabular-nums">
        {ticks}
      </div>
    </div>
  );
}

/**
 * Bars from zero, in plain server-rendered SVG (no JavaScript shipped), stretched to the width of their box.
 * Screen readers hear a one-line summary and can read every value from a hidden table.
 */
export function BarChart({ title, data, formatValue = formatNumber, horizontal = false, empty = 'No sales yet' }: BarChartProps) {
  const axis = niceAxis(data.map((bar) => bar.value));
  const ranked = [...data].sort((a, b) => b.value - a.value);
  const summary = `${title}: ${listSummary(ranked.map((bar) => `${bar.label} ${formatValue(bar.value)}`))}`;
  const Bars = horizontal ? HorizontalBars : VerticalBars;
  return (
    <ChartFigure title={title} empty={data.length === 0 ? empty : null}>
      <Bars data={data} axis={axis} format={formatValue} summary={summary} />
      <DataTable title={title} head={['Label', 'Value']} rows={data.map((bar) => [bar.label, formatValue(bar.value)])} />
    </ChartFigure>
  );
}
