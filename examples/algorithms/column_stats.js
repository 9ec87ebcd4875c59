#!/usr/bin/env node
/**
 * Per-column statistics of a CSV or JSON-lines dataset, compute-to-data style, in plain Node.js (no packages).
 *
 * Streams the dataset at <DATA_ROOT>/inputs/<first of $DIDS>/0 line by line, so any size fits in memory, and
 * writes <DATA_ROOT>/outputs/column_stats.json: for each column its type, count of values, count of nulls,
 * mean/min/max of its numbers, and how many distinct values it has (exact up to 10,000, then a HyperLogLog
 * estimate: standard error 0.8%, so nearly always within 2.5%). DATA_ROOT defaults to /data. No parameters.
 *
 * Only aggregates leave: no cell is printed or written (not even a string column's min or max), and messages
 * from the JSON parser, which quote the line, are replaced by a line number.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');

const NAME = 'column_stats';
const DATA_ROOT = process.env.DATA_ROOT || '/data';
/** Distinct values are counted exactly up to this many per column, then estimated. */
const EXACT_DISTINCT = 10_000;
/** Cells that mean "no value" in a CSV (pandas reads the same as NaN). */
const CSV_NULLS = new Set(['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', 'None']);
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A problem the buyer or publisher can fix; its message holds no data values. */
class UsageError extends Error {}

function log(message) {
  process.stdout.write(`${NAME}: ${message}\n`);
}

/** The first dataset's file; without $DIDS, the only dataset folder under inputs (handy for local runs). */
function datasetPath() {
  const inputs = path.join(DATA_ROOT, 'inputs');
  let did;
  if (process.env.DIDS) {
    let dids;
    try {
      dids = JSON.parse(process.env.DIDS);
    } catch {
      throw new UsageError('env DIDS must be a JSON array of dataset ids');
    }
    if (!Array.isArray(dids) || dids.length === 0 || !dids.every((id) => typeof id === 'string')) {
      throw new UsageError('env DIDS must be a non-empty JSON array of dataset ids');
    }
    did = dids[0];
  } else {
    const folders = fs.existsSync(inputs) ? fs.readdirSync(inputs, { withFileTypes: true }).filter((entry) => entry.isDirectory()) : [];
    if (folders.length !== 1) throw new UsageError('env DIDS is not set and there is not exactly one dataset folder under inputs');
    did = folders[0].name;
  }
  const file = path.join(inputs, did, '0');
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new UsageError(`dataset file ${file} not found`);
  return file;
}

/**
 * Splits one CSV record (RFC 4180: quoted fields, doubled quotes). Returns null while a quoted field is still
 * open, so the caller appends the next line: a quoted cell may span lines.
 */
function splitCsv(text) {
  const fields = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char !== '"') field += char;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else field += char;
  }
  if (quoted) return null;
  fields.push(field);
  return fields;
}

/** FNV-1a over UTF-16 code units, then murmur3's finaliser so every bit of the 32 is well mixed. */
function hash32(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * HyperLogLog with 2^14 registers (16 KiB, standard error about 0.8%), read with Ertl's estimator ("New
 * cardinality estimation algorithms for HyperLogLog sketches", 2017): unbiased from one value to billions,
 * where the classic estimator drifts by a few percent where it switches to linear counting.
 */
class HyperLogLog {
  constructor(bits = 14) {
    this.bits = bits;
    this.registers = new Uint8Array(1 << bits);
  }

  add(text) {
    const h = hash32(text);
    const index = h >>> (32 - this.bits);
    const rest = (h << this.bits) >>> 0;
    const rank = rest === 0 ? 33 - this.bits : Math.clz32(rest) + 1;
    if (rank > this.registers[index]) this.registers[index] = rank;
  }

  estimate() {
    const m = this.registers.length;
    const q = 32 - this.bits;
    const histogram = new Array(q + 2).fill(0);
    for (const rank of this.registers) histogram[rank]++;
    let z = m * tau(1 - histogram[q + 1] / m);
    for (let k = q; k >= 1; k--) z = 0.5 * (z + histogram[k]);
    z += m * sigma(histogram[0] / m);
    return Math.round((m * m) / (2 * Math.LN2 * z));
  }
}

/** Ertl's sigma: the correction for empty registers. */
function sigma(x) {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  for (;;) {
    x *= x;
    const before = z;
    z += x * y;
    y += y;
    if (z === before) return z;
  }
}

/** Ertl's tau: the correction for saturated registers. */
function tau(x) {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  for (;;) {
    x = Math.sqrt(x);
    const before = z;
    y *= 0.5;
    z -= (1 - x) ** 2 * y;
    if (z === before) return z / 3;
  }
}

/** Running statistics of one column. */
class Column {
  constructor(name, rowsBefore) {
    this.name = name;
    this.count = 0;
    // A JSON-lines column first seen on a later line was missing (null) in every line before.
    this.nulls = rowsBefore;
    this.numbers = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = -Infinity;
    this.strings = 0;
    this.booleans = 0;
    this.trues = 0;
    this.exact = new Set();
    this.sketch = new HyperLogLog();
  }

  addNull() {
    this.nulls++;
  }

  /** A present value: a number, a boolean or a string (objects arrive as their JSON). */
  add(value) {
    this.count++;
    if (typeof value === 'number') {
      this.numbers++;
      this.sum += value;
      if (value < this.min) this.min = value;
      if (value > this.max) this.max = value;
    } else if (typeof value === 'boolean') {
      this.booleans++;
      if (value) this.trues++;
    } else this.strings++;
    const key = `${typeof value}:${value}`;
    this.sketch.add(key);
    if (this.exact) {
      this.exact.add(key);
      if (this.exact.size > EXACT_DISTINCT) this.exact = null;
    }
  }

  summary() {
    const type = this.count === 0 ? 'empty' : this.numbers === this.count ? 'number' : this.booleans === this.count ? 'boolean' : this.strings === this.count ? 'string' : 'mixed';
    const out = { name: this.name, type, count: this.count, nulls: this.nulls };
    if (this.numbers > 0) {
      if (type === 'mixed') out.numbers = this.numbers;
      out.mean = this.sum / this.numbers;
      out.min = this.min;
      out.max = this.max;
    }
    if (this.booleans > 0) out.trues = this.trues;
    out.distinct = this.exact ? this.exact.size : this.sketch.estimate();
    out.distinctExact = this.exact !== null;
    return out;
  }
}

/** A CSV cell as a typed value, or null. */
function csvValue(cell) {
  if (CSV_NULLS.has(cell)) return null;
  const trimmed = cell.trim();
  if (NUMBER.test(trimmed)) return Number(trimmed);
  return cell;
}

/** A JSON value as a typed value, or null; nested objects and arrays count as their JSON text. */
function jsonValue(value) {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return value;
  return JSON.stringify(value);
}

async function summarise(file) {
  const lines = readline.createInterface({ input: fs.createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let format = null;
  let columns = [];
  const byName = new Map();
  let rows = 0;
  let malformedRows = 0;
  let lineNumber = 0;
  let pending = null;

  for await (let line of lines) {
    lineNumber++;
    if (lineNumber === 1) line = line.replace(/^\uFEFF/, '');
    if (format === null) {
      if (line.trim() === '') continue;
      format = line.trimStart().startsWith('{') ? 'jsonl' : 'csv';
      if (format === 'csv') {
        const header = splitCsv(line);
        if (header === null) throw new UsageError('the CSV header has an unterminated quote');
        columns = header.map((name, i) => new Column(name.trim() || `column_${i + 1}`, 0));
        continue;
      }
    }
    if (format === 'jsonl') {
      if (line.trim() === '') continue;
      let record;
      try {
        record = JSON.parse(line);
      } catch {
        throw new UsageError(`line ${lineNumber} is not valid JSON`);
      }
      if (record === null || typeof record !== 'object' || Array.isArray(record)) throw new UsageError(`line ${lineNumber} is not a JSON object`);
      for (const key of Object.keys(record)) {
        if (!byName.has(key)) {
          const column = new Column(key, rows);
          byName.set(key, column);
          columns.push(column);
        }
      }
      for (const column of columns) {
        const value = jsonValue(record[column.name]);
        if (value === null) column.addNull();
        else column.add(value);
      }
      rows++;
    } else {
      pending = pending === null ? line : `${pending}\n${line}`;
      const fields = splitCsv(pending);
      if (fields === null) continue;
      pending = null;
      if (fields.length === 1 && fields[0] === '') continue;
      if (fields.length !== columns.length) {
        malformedRows++;
        continue;
      }
      for (let i = 0; i < columns.length; i++) {
        const value = csvValue(fields[i]);
        if (value === null) columns[i].addNull();
        else columns[i].add(value);
      }
      rows++;
    }
    if (rows % 1_000_000 === 0 && rows > 0) log(`${rows} rows read`);
  }
  if (pending !== null) malformedRows++;
  return { format: format ?? 'empty', rows, malformedRows, columns: columns.map((column) => column.summary()) };
}

async function main() {
  const file = datasetPath();
  log(`reading the dataset (${(fs.statSync(file).size / 1e6).toFixed(1)} MB)`);
  const stats = await summarise(file);
  log(`${stats.rows} rows, ${stats.columns.length} columns (${stats.format})${stats.malformedRows ? `, ${stats.malformedRows} malformed rows skipped` : ''}`);
  const outputs = path.join(DATA_ROOT, 'outputs');
  fs.mkdirSync(outputs, { recursive: true });
  fs.writeFileSync(path.join(outputs, 'column_stats.json'), `${JSON.stringify({ algorithm: 'column_stats.js', ...stats }, null, 2)}\n`);
  log('wrote column_stats.json');
}

main().catch((error) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${NAME}: ${error.message}\n`);
    process.exit(2);
  }
  // Another error's message may quote the data: name it and where it happened, no more.
  const where = /\((.*:\d+:\d+)\)/.exec(String(error && error.stack).split('\n')[1] || '');
  process.stderr.write(`${NAME}: failed with ${(error && error.name) || 'an error'}${where ? ` at ${path.basename(where[1])}` : ''}; its message is withheld because it may quote the data\n`);
  process.exit(1);
});
