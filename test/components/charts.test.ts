import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { BarChart } from '@/components/charts/bar-chart';
import { datePositions, dateTicks, dayNumber, formatDay, listSummary, niceAxis, position } from '@/components/charts/scale';
import { TimeSeriesChart } from '@/components/charts/time-series-chart';

describe('niceAxis', () => {
  it('covers the data and zero with round steps', () => {
    expect(niceAxis([0, 120, 50]).ticks).toEqual([0, 50, 100, 150]);
    expect(niceAxis([325]).ticks).toEqual([0, 100, 200, 300, 400]);
    expect(niceAxis([8.125, 0.5]).ticks).toEqual([0, 2.5, 5, 7.5, 10]);
  });

  it('keeps decimals exact', () => {
    expect(niceAxis([0.3, 0.05]).ticks).toEqual([0, 0.1, 0.2, 0.3]);
    expect(niceAxis([0.0007]).ticks).toEqual([0, 0.0002, 0.0004, 0.0006, 0.0008]);
  });

  it('gives whole-number data whole-number ticks', () => {
    expect(niceAxis([1]).ticks).toEqual([0, 1]);
    expect(niceAxis([3, 2]).ticks).toEqual([0, 1, 2, 3]);
  });

  it('runs from 0 to 1 with no data or only zeros', () => {
    expect(niceAxis([])).toEqual({ ticks: [0, 1], min: 0, max: 1 });
    expect(niceAxis([0, 0, 0])).toEqual({ ticks: [0, 1], min: 0, max: 1 });
  });

  it('reaches below zero for negative values', () => {
    const axis = niceAxis([-4, 6]);
    expect(axis.min).toBeLessThanOrEqual(-4);
    expect(axis.max).toBeGreaterThanOrEqual(6);
    expect(axis.ticks).toContain(0);
    expect(position(0, axis)).toBeGreaterThan(0);
  });

  it('places values between the ends', () => {
    const axis = niceAxis([0, 120]);
    expect(position(0, axis)).toBe(0);
    expect(position(axis.max, axis)).toBe(1);
    expect(position(60, axis)).toBeCloseTo(60 / axis.max);
  });
});

describe('dates', () => {
  it('counts days in UTC', () => {
    expect(dayNumber('1970-01-02')).toBe(1);
    expect(dayNumber('2026-03-01') - dayNumber('2026-02-28')).toBe(1);
  });

  it('places dates by time, a single day in the middle', () => {
    expect([...datePositions(['2026-11-01', '2026-11-02', '2026-11-05']).values()]).toEqual([0, 0.25, 1]);
    expect(datePositions(['2026-11-03']).get('2026-11-03')).toBe(0.5);
  });

  it('labels at most a few dates, evenly spaced back from the last', () => {
    const days = (n: number) => Array.from({ length: n }, (_, i) => `2026-10-${String(i + 1).padStart(2, '0')}`);
    expect(dateTicks(days(30), 5)).toEqual(['2026-10-06', '2026-10-14', '2026-10-22', '2026-10-30']);
    expect(dateTicks(days(7), 5)).toEqual(['2026-10-01', '2026-10-03', '2026-10-05', '2026-10-07']);
    expect(dateTicks(days(5), 5)).toEqual(days(5));
    expect(dateTicks(['2026-11-03'])).toEqual(['2026-11-03']);
  });

  it('formats days without shifting them across time zones', () => {
    expect(formatDay('2026-11-24')).toBe('Nov 24');
    expect(formatDay('2026-01-01', true)).toBe('Jan 1, 2026');
  });
});

describe('listSummary', () => {
  it('names a few items and counts the rest', () => {
    expect(listSummary(['a'])).toBe('a');
    expect(listSummary(['a', 'b', 'c'])).toBe('a, b and c');
    expect(listSummary(['a', 'b', 'c', 'd'], 2)).toBe('a, b and 2 more');
  });
});

/** The text of every cell of the chart's hidden data table, row by row. */
function tableOf(html: string): string[][] {
  const table = /<table>([\s\S]*)<\/table>/.exec(html)?.[1] ?? '';
  return [...table.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) => [...(row[1] ?? '').matchAll(/<t[hd][^>]*>([^<]*)<\/t[hd]>/g)].map((cell) => cell[1] ?? ''));
}

describe('charts', () => {
  const dUSD = (v: number) => `${v} dUSD`;

  it('draw bars with a summary and a table of the values', () => {
    const html = renderToStaticMarkup(
      createElement(BarChart, {
        title: 'Top datasets',
        horizontal: true,
        formatValue: dUSD,
        data: [
          { label: 'Tides', value: 50, href: '/datasets/1' },
          { label: 'Retail', value: 120, href: '/datasets/2' },
        ],
      }),
    );
    expect(html).toContain('role="img"');
    expect(html).toContain('aria-label="Top datasets: Retail 120 dUSD and Tides 50 dUSD"');
    expect(html).toContain('href="/datasets/2"');
    expect(tableOf(html)).toEqual([
      ['Label', 'Value'],
      ['Tides', '50 dUSD'],
      ['Retail', '120 dUSD'],
    ]);
  });

  it('say so when there is nothing to draw', () => {
    expect(renderToStaticMarkup(createElement(BarChart, { title: 'Mix', data: [] }))).toContain('No sales yet');
    expect(renderToStaticMarkup(createElement(TimeSeriesChart, { title: 'Volume', series: [{ name: 'Licences', points: [] }] }))).toContain('No sales yet');
  });

  it('draw a single point and an all-zero series without NaN', () => {
    const single = renderToStaticMarkup(
      createElement(TimeSeriesChart, { title: 'Volume', series: [{ name: 'Licences', points: [{ date: '2026-11-03', value: 5 }] }] }),
    );
    expect(single).toContain('M50 ');
    expect(tableOf(single)).toEqual([
      ['Date', 'Licences'],
      ['2026-11-03', '5'],
    ]);
    const zeros = renderToStaticMarkup(
      createElement(TimeSeriesChart, {
        title: 'Volume',
        series: [{ name: 'Licences', points: ['2026-11-01', '2026-11-02'].map((date) => ({ date, value: 0 })) }],
      }),
    );
    const bars = renderToStaticMarkup(createElement(BarChart, { title: 'Mix', data: [{ label: 'a', value: 0 }] }));
    expect(zeros).toContain('Licences: 0 every day');
    for (const html of [single, zeros, bars]) {
      expect(html).not.toContain('NaN');
      expect(html).not.toContain('Infinity');
    }
  });

  it('table every day of every series, marking the days a series lacks', () => {
    const html = renderToStaticMarkup(
      createElement(TimeSeriesChart, {
        title: 'Volume',
        formatValue: dUSD,
        series: [
          {
            name: 'Licences',
            points: [
              { date: '2026-11-01', value: 10 },
              { date: '2026-11-02', value: 0 },
            ],
          },
          { name: 'Compute', points: [{ date: '2026-11-02', value: 2.5 }] },
        ],
      }),
    );
    expect(tableOf(html)).toEqual([
      ['Date', 'Licences', 'Compute'],
      ['2026-11-01', '10 dUSD', '–'],
      ['2026-11-02', '0 dUSD', '2.5 dUSD'],
    ]);
    expect(html).toContain('Licences: highest 10 dUSD on Nov 1, latest 0 dUSD on Nov 2');
  });
});
