/**
 * Options of the demo generator (`generateStateDir`) and their resolved form.
 */
export interface GenerateOptions {
  /** State dir to create (must not exist or be empty); files go to <dir>/agents/<agent>/... */
  dir: string;
  /** Deterministic PRNG seed (default 1); same seed+options => byte-identical output. */
  seed?: number;
  /** "Now"; calls are spread over the `days` before it (default Date.now()). */
  nowMs?: number;
  /** History length in days (default 7). */
  days?: number;
  /**
   * Approximate bytes of counted transcripts to write (default 2 MiB; within ~1% from
   * about 1 MB up). Every session kind gets at least one turn, so very small targets
   * (below ~300 KB) overshoot. Duplicate and junk files come on top (a few percent).
   */
  targetBytes?: number;
  /** Agent ids (default ['main', 'work']). */
  agents?: string[];
  /** Include `.reset.<ts>` and `.deleted.<ts>` archives (default true). */
  archives?: boolean;
  /** Include provider "openclaw" delivery-mirror / gateway-injected rows (default true). */
  syntheticRows?: boolean;
  /** Include duplicate copies (bak, checkpoint, fork copies, sessions_history branch) and topic/fork files (default true). */
  duplicates?: boolean;
  /** Include junk lines and files that must be skipped (default true). */
  junk?: boolean;
}

/** Options with every default applied. */
export type ResolvedOptions = Required<Omit<GenerateOptions, 'dir'>>;
