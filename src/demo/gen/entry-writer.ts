/**
 * Base of the demo generator's transcript writer: entry ids, the parent chain, one line at
 * a time into the output file, and the prefix/tail/sample captures copies are made from.
 */
import path from 'node:path';
import { WORKSPACE } from './catalog.js';
import { Out, iso } from './out.js';
import { type Ctx, PREFIX_CAP, type SessionSpec } from './session-spec.js';
import { poolRange } from './text-pools.js';

export class EntryWriter {
  protected ids = new Set<string>();
  protected lastId: string | null = null;
  protected prefix: Buffer[] = [];
  protected prefixBytes = 0;
  protected prevTurn: Buffer[] = [];
  protected curTurn: Buffer[] = [];
  protected samples: Buffer[] = [];
  protected firstMs = 0;
  protected lastMs = 0;
  protected out: Out;

  constructor(
    protected readonly spec: SessionSpec,
    protected readonly ctx: Ctx,
  ) {
    this.out = new Out(path.join(ctx.sessionsDir, spec.fileName));
  }

  protected newId(): string {
    const rng = this.ctx.rng;
    for (;;) {
      const id = rng.hex8();
      if (!this.ids.has(id)) {
        this.ids.add(id);
        return id;
      }
    }
  }

  protected parentJson(): string {
    return this.lastId === null ? 'null' : `"${this.lastId}"`;
  }

  /** Ends the current line; returns a copy of it when `keep` (or a capture) asks for it. */
  protected endLine(ms: number, keep = false): Buffer | null {
    const spec = this.spec;
    const wantPrefix = spec.capturePrefix === true && this.prefixBytes < PREFIX_CAP;
    const line = this.out.end(keep || wantPrefix || spec.captureTail === true);
    if (line) {
      if (wantPrefix) {
        this.prefix.push(line);
        this.prefixBytes += line.length + 1;
      }
      if (spec.captureTail) this.curTurn.push(line);
    }
    if (ms > this.lastMs) this.lastMs = ms;
    if (!this.firstMs) this.firstMs = ms;
    return line;
  }

  /** Writes the common entry head and makes the entry the new leaf. */
  protected begin(type: string, ms: number, id: string = this.newId()): void {
    this.out.s(`{"type":"${type}","id":"${id}","parentId":${this.parentJson()},"timestamp":"${iso(ms)}",`);
    this.lastId = id;
  }

  protected simple(type: string, ms: number, body: string): void {
    this.begin(type, ms);
    this.out.s(body + '}');
    this.endLine(ms);
  }

  /** Copies `len` bytes of a text pool (valid JSON string content) into the current line. */
  protected text(pool: Buffer, len: number): number {
    const [s, e] = poolRange(this.ctx.rng, pool, len);
    this.out.b(pool, s, e);
    return e - s;
  }

  protected custom(customType: string, ms: number, data: string): void {
    const id = this.newId();
    this.out.s(`{"type":"custom","customType":"${customType}","data":${data},"id":"${id}","parentId":${this.parentJson()},"timestamp":"${iso(ms)}"}`);
    this.lastId = id;
    this.endLine(ms);
  }

  protected header(ms: number): void {
    const parent = this.spec.parentSession ? `,"parentSession":${JSON.stringify(this.spec.parentSession)}` : '';
    this.out.s(`{"type":"session","version":3,"id":"${this.spec.sessionId}","timestamp":"${iso(ms)}","cwd":"${WORKSPACE}"${parent}}`);
    this.endLine(ms);
  }
}
