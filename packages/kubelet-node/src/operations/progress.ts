/**
 * A one-line progress report for waits: rewritten in place on a terminal, a line every 10 s otherwise (CI logs).
 */
export class Progress {
  private readonly start = Date.now();
  private lastPrinted = 0;
  private readonly tty = Boolean(process.stdout.isTTY);

  constructor(
    private readonly label: string,
    private readonly timeoutMs: number,
  ) {}

  expired(): boolean {
    return Date.now() - this.start >= this.timeoutMs;
  }

  elapsedMs(): number {
    return Date.now() - this.start;
  }

  elapsedSeconds(): number {
    return Math.round((Date.now() - this.start) / 1000);
  }

  update(state: string): void {
    const line = `${this.label} (${state}, ${this.elapsedSeconds()}/${Math.round(this.timeoutMs / 1000)} s)`;
    if (this.tty) process.stdout.write(`\r\x1b[2K${line}`);
    else if (Date.now() - this.lastPrinted >= 10_000) {
      process.stdout.write(`${line}\n`);
      this.lastPrinted = Date.now();
    }
  }

  /** Reports `state()` now and then every second (a timer: no probing), until the returned function is called. */
  keepUpdating(state: () => string): () => void {
    this.update(state());
    const timer = setInterval(() => this.update(state()), 1000);
    return () => clearInterval(timer);
  }

  done(message?: string): void {
    if (this.tty) process.stdout.write('\r\x1b[2K');
    if (message) process.stdout.write(`${message}\n`);
  }
}
