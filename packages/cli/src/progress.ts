/**
 * The progress line on a terminal: records done, rate, and (for a file) percent and ETA, redrawn
 * a few times a second on stderr. Off when stderr is not a terminal, so piped runs stay quiet.
 * Percent and ETA follow records done against the records expected in all: reading runs ahead of
 * the work (by up to a whole chunk), so bytes read would show a small input done from the start.
 * Records in flight whose tasks report progress (current().progress()) count for the part they
 * say is done, and the line says how many of the records in flight report and how far along
 * those are on average: with long records, that is what moves.
 */
const REDRAW_MS = 200;
const BAR = 24;

export class Progress {
  readonly #stream: NodeJS.WriteStream;
  readonly #enabled: boolean;
  readonly #started = performance.now();
  #timer: NodeJS.Timeout | undefined;
  #shown = false;

  constructor(
    /**
     * `partial`: how far along each record in flight that reports progress is (0 to 1);
     * `finished`: records that reported progress, done but not yet written (each counts whole);
     * `inFlight`: records running, reporting or not.
     */
    readonly status: () => { done: number; failed: number; total: number | undefined; partial?: readonly number[]; finished?: number; inFlight?: number },
    stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.#stream = stream;
    this.#enabled = stream.isTTY === true;
    if (this.#enabled) this.#timer = setInterval(() => this.#draw(), REDRAW_MS).unref();
  }

  /** Removes the line, so what is printed next starts clean. */
  clear(): void {
    clearInterval(this.#timer);
    if (this.#shown) this.#stream.write('\r\x1b[K');
    this.#shown = false;
  }

  #draw(): void {
    const { done, failed, total, partial = [], finished = 0, inFlight = partial.length } = this.status();
    const along = partial.reduce((sum, part) => sum + part, 0);
    const fraction = total === undefined || total === 0 ? undefined : Math.min(1, (done + finished + along) / total);
    const seconds = (performance.now() - this.#started) / 1000;
    const rate = done / Math.max(seconds, 1e-3);
    let text = `${plural(done, 'record')}  ${formatCount(Math.round(rate))}/s`;
    if (partial.length > 0) {
      text += `  ${formatCount(inFlight)} in flight (${formatCount(partial.length)} report, ${Math.floor((along / partial.length) * 100)}% along)`;
    }
    if (failed > 0) text += `  ${formatCount(failed)} failed`;
    if (fraction !== undefined && fraction > 0) {
      const filled = Math.min(BAR, Math.round(fraction * BAR));
      const eta = (seconds * (1 - fraction)) / fraction;
      text = `[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${text}  ETA ${formatDuration(eta)}`;
    }
    this.#stream.write(`\r\x1b[K${text}`);
    this.#shown = true;
  }
}

/**
 * How far along a task's progress value says it is, 0 to 1: a number is a percent (0 to 100, not
 * 0 to 1, as BullMQ jobs report it), an object `{ done, of }` (or `{ done, total }`) a count.
 * Anything else says nothing the line can show.
 */
export function fractionOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? clamp(value / 100) : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  const { done, of, total } = value as { done?: unknown; of?: unknown; total?: unknown };
  const whole = of ?? total;
  if (typeof done !== 'number' || typeof whole !== 'number' || !(whole > 0)) return undefined;
  return Number.isFinite(done) ? clamp(done / whole) : undefined;
}

function clamp(fraction: number): number {
  return Math.min(1, Math.max(0, fraction));
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** `1 record`, `2 records`, `1,000 records`. */
export function plural(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}` : `${m}:${String(s).padStart(2, '0')}`;
}
