/**
 * Normalized domain types. Sources produce them, the parser and the ingest cycle
 * refine them, the ledger stores them and sinks read them. Nothing here knows
 * about files, SQLite or HTTP.
 */

/** One model call as the transcript-line parser sees it (no session labels yet). */
export interface ParsedCall {
  /** Stable identity of the call across files, renames and stores. */
  dedupeKey: string;
  /** Unix epoch milliseconds: entry ISO timestamp first, message.timestamp as fallback. */
  tsMs: number;
  provider: string;
  model: string;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /** usage.cost.total from the transcript; null when absent. */
  costUsd: number | null;
  /** stop | length | toolUse | aborted | error | unknown */
  stopReason: string;
  /** Bounded error category when stopReason is "error", else null. */
  errorCategory: string | null;
  /** entry timestamp minus message.timestamp when both are known and plausible. */
  latencyMs: number | null;
  /** A second name of the call, for pairings identities cannot express (src/ledger/call-aliases.ts). */
  alias?: CallAlias;
}

/** An alias of a call and which side of the pairing it comes from. */
export interface CallAlias {
  key: string;
  /** OpenClaw's mirror row, or Codex's rollout. */
  side: 'mirror' | 'rollout';
}

/** What a trace needs of a call beyond the counting rules (src/parse/span-facts.ts; no content, ids only as hashes). */
/** The end of a tool execution (a transcript toolResult line), for `openclaw.tool.execution` spans. */
export interface ToolResultFact {
  /** 16 hex digits of SHA-256 over the session and tool call id: the identity, never exported raw */
  key: string;
  sessionHash: string;
  tsMs: number;
  toolName: string;
  isError: boolean;
}

/**
 * Opt-in content (otel.captureContent sub-keys) kept for span export: already cut and
 * redacted; only ever created when the matching sub-key is true.
 */
export interface ContentFact {
  /** the call identity (output_messages) or the tool result key (tool_inputs, tool_outputs) */
  key: string;
  kind: 'output_messages' | 'tool_inputs' | 'tool_outputs';
  text: string;
}

export interface SpanFact {
  dedupeKey: string;
  /** 16 hex digits of SHA-256 over the session id (or the input): groups calls into runs, never exported raw */
  sessionHash: string;
  /** 16 hex digits of SHA-256 over the provider's response id; null when the transcript has none */
  requestIdHash: string | null;
  api: string | null;
}

/**
 * One record of OpenClaw's JSON log file (src/parse/gateway-log-line.ts). `message`
 * is content: it leaves the machine only redacted (src/labeling/log-redaction.ts).
 */
export interface GatewayLogRecord {
  timeMs: number;
  /** OTel severity number (tslog 0 silly .. 6 fatal mapped to TRACE .. FATAL) */
  severityNumber: number;
  severityText: string;
  logger: string;
  parents: string[];
  codeLocation: string | null;
  codeFunction: string | null;
  traceId: string | null;
  spanId: string | null;
  traceFlags: number | null;
  message: string;
}

/** A model call with its session context, ready to be committed to the ledger. */
export interface LedgerCall extends ParsedCall {
  agent: string;
  /** Session kind by the original exporter's rules (cron, telegram-slash, main, surface, key prefix, unknown). */
  compatKind: string;
  /** Richer bounded session kind (direct, group, channel, cron, hook, subagent, ...). */
  kind: string;
  channel: string;
  chatType: string;
  /** Where the call was read: the name of the source adapter (see SOURCE). */
  source: string;
}

/** What the session index (sessions.json or the SQLite store) says about one session key. */
export interface SessionInfo {
  sessionKey: string;
  sessionId: string;
  compatKind: string;
  kind: string;
  channel: string;
  chatType: string;
  updatedAtMs: number | null;
  /** false for entries the store marks archived/ended. Only active ones count in active_sessions. */
  active: boolean;
}

/** Non-secret view of one auth profile. Secrets never reach this type. */
export interface AuthProfileInfo {
  /** Profile id as OpenClaw names it, e.g. "openai-codex:default". May contain an email. */
  profileId: string;
  provider: string;
  /** oauth | api_key | token | unknown */
  type: string;
  /** Unix epoch ms of expiry, when known. */
  expiresMs: number | null;
  /** Email from the profile, when present (PII: hashed before export unless configured). */
  email: string | null;
  /** Plan (e.g. "plus") from chatgptPlanType or the decoded token claim; null when unknown. */
  plan: string | null;
  cooldownUntilMs: number | null;
  cooldownReason: string | null;
  disabledUntilMs: number | null;
  disabledReason: string | null;
  /** failure reason -> count */
  failureCounts: Record<string, number>;
  /** Which store the profile comes from: OpenClaw's shared auth store, or the agent's own (absent = agent). */
  store?: 'shared' | 'agent';
}

/** Provider-reported quota window (e.g. from a Codex rollout). */
export interface QuotaObservation {
  provider: string;
  /** limit family id, e.g. "codex" */
  limit: string;
  /** window named by duration: "5h", "7d", ... */
  window: string;
  windowMinutes: number;
  usedRatio: number;
  resetsAtMs: number | null;
  observedAtMs: number;
  plan: string | null;
  /**
   * Which account of the provider the report is for: `default`, or a short hash of
   * the account's identity (src/labeling/privacy.ts quotaAccount); absent = `default`.
   */
  account?: string;
}

/** The `limit` of quota observations that carry the poller's refresh result (usedRatio 1 = ok, 0 = failed). */
export const REFRESH_LIMIT = '_refresh';

/** A persisted position in one input (file offset, SQLite watermark, ...). Opaque JSON to the ledger. */
export type Cursor = Record<string, unknown>;

/** A record a source hands to the transcript-line parser. */
export interface TranscriptRecord {
  /** One transcript line (JSONL line or transcript_events.event_json), decoded; or see `bytes`. */
  text?: string;
  /**
   * The line's raw UTF-8 bytes instead of `text` (a copy the record owns): the
   * parser reads them with its fast path (src/parse/fast-line.ts) and decodes them
   * only when that path is unsure.
   */
  bytes?: Buffer;
  /** Position inside the input, for logs: a line number or a row sequence. */
  pos: number;
  /**
   * When `text` is the line with its content array cut out (see candidateText),
   * the whole line, decoded lazily if the cut text does not parse as a call.
   */
  full?: () => string;
  /**
   * A toolResult line already read by its source (src/parse/tool-result.ts): the
   * record carries no line, only what a tool execution span needs.
   */
  toolResult?: ToolResultRead;
}

/** What a source reads of a toolResult message line (src/parse/tool-result.ts). */
export interface ToolResultRead {
  toolCallId: string | null;
  toolName: string;
  tsMs: number;
  isError: boolean;
  /** a prefix of the first text block's JSON string body, still escaped; '' when none or not asked for (PollContext.toolOutputs) */
  outputRaw: string;
}

/** Session context every record of a transcript batch shares. */
export interface TranscriptContext {
  stateDir: string;
  agent: string;
  /** Session id the transcript belongs to, when known from its name or row. */
  sessionId: string | null;
  /** Session key, when the source itself knows it (e.g. import-archive file names). */
  sessionKey: string | null;
  /** The source adapter reading it (see SOURCE). */
  source: string;
  /** The input (file path, or "<db>#<session>") for logs; never a label. */
  where: string;
}

/** Why a line, file or store was skipped. Bounded set; used as a metric label. */
export type SkipReason =
  | 'malformed_json'
  | 'invalid_utf8'
  | 'line_too_long'
  /** a model call whose usage numbers are out of bounds (see src/bounds.ts); not counted */
  | 'implausible_usage'
  | 'not_an_object'
  | 'unreadable'
  | 'vanished'
  | 'decompress_failed'
  | 'not_regular_file'
  | 'too_large'
  | 'store_unavailable'
  | 'store_busy'
  | 'schema_unknown'
  /** A store whose schema lacks a table clawmeter needs (the message names the schema version). */
  | 'store_unsupported';

export interface SourceIssue {
  reason: SkipReason;
  /** file path or store path the issue is about (logged, never a label) */
  where: string;
  detail: string;
}

/** One unit of work a source hands to the ingest cycle; committed in one transaction. */
export type SourceBatch =
  | {
      kind: 'transcript';
      context: TranscriptContext;
      records: TranscriptRecord[];
      /** Calls the source decoded itself (e.g. rollouts), already parsed. */
      calls?: ParsedCall[];
      cursors: Array<[string, Cursor | null]>;
      bytesRead: number;
      linesRead: number;
      filesRead: number;
    }
  | ({
      /** The latest list of one source (a session index, an auth store, a quota report): replaces the previous one. */
      kind: 'snapshot';
      stateDir: string;
      agent: string;
      /** The source adapter the list comes from (see SOURCE); replaces that source's previous list for the agent. */
      source: string;
      cursors: Array<[string, Cursor | null]>;
    } & Snapshot)
  | {
      /** Persisted state of a source that is not tied to an input (e.g. derived state). */
      kind: 'state';
      cursors: Array<[string, Cursor | null]>;
    };

/** What a snapshot batch holds: one kind of non-call state, as a whole list. */
export type Snapshot =
  | { of: 'sessions'; rows: SessionInfo[] }
  | { of: 'auth'; rows: AuthProfileInfo[] }
  | { of: 'quota'; rows: QuotaObservation[] };

/** Read access to persisted cursors, given to sources. */
export interface CursorReader {
  get(key: string): Cursor | undefined;
  /** All keys starting with a prefix (to find inputs that vanished). */
  keysWithPrefix(prefix: string): string[];
}

export interface PollContext {
  cursors: CursorReader;
  report(issue: SourceIssue): void;
  /** Current time (injectable for tests). */
  nowMs(): number;
  /** Keep a prefix of each tool's output text (otel.captureContent.toolOutputs is on); off: outputs are not decoded at all. */
  toolOutputs?: boolean;
}

/**
 * Where data came from, one vocabulary everywhere: a call's `source`, a snapshot
 * row's `source`, a source's health (`/readyz`, `clawmeter_source_up{source}`, the
 * API) all name the source adapter that read it, by the adapter's `name`.
 */
export const SOURCE = {
  /** file-era transcripts, `agents/<agent>/sessions/*.jsonl` (and their archives) */
  jsonl: 'jsonl',
  /** the per-agent SQLite store (2026.7.2+): transcripts, sessions, auth */
  sqlite: 'sqlite',
  /** the file-era session index */
  sessionsJson: 'sessions.json',
  /** session keys recovered from trajectory files */
  trajectoryKeys: 'trajectory-keys',
  /** the per-agent auth profiles file */
  authProfiles: 'auth-profiles.json',
  /** OpenClaw's shared auth store (2026.8+) */
  sharedAuth: 'shared-auth',
  /** the Codex harness's rollouts (calls and provider-reported quota) */
  codexRollouts: 'codex-rollouts',
  /** cold storage files (2026.9.5+) */
  coldFiles: 'cold-files',
  /** the opt-in provider quota poller */
  quotaPoll: 'quota-poll',
} as const;
export type SourceName = (typeof SOURCE)[keyof typeof SOURCE];

/**
 * A source adapter: detects its inputs under a state directory and yields what is
 * new since the persisted cursors. It never writes anything and knows nothing of
 * the ledger's storage.
 */
export interface Source {
  readonly name: string;
  /** The state directory and agent the source reads, for per-source health; absent for global sources. */
  readonly scope?: { stateDir: string; agent: string };
  poll(ctx: PollContext): Iterable<SourceBatch> | AsyncIterable<SourceBatch>;
  /** Bytes left to read by the committed cursors (for progress reports); optional, an estimate. */
  pendingBytes?(ctx: PollContext): number;
  /** Paths worth watching for changes (directories); optional. */
  watchPaths?(): string[];
}

/** A discovered agent inside a state directory. */
export interface AgentDir {
  stateDir: string;
  agent: string;
  /** <stateDir>/agents/<agent> */
  root: string;
  /** The agent's SQLite store when it is not `<root>/agent/openclaw-agent.sqlite` (found in the state DB's registry). */
  storeFile?: string;
}
