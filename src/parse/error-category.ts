/**
 * Maps an assistant error row (errorMessage, errorCode, errorType) to a bounded
 * category, so the raw provider message never becomes a label value.
 */
export const ERROR_CATEGORIES = [
  'rate_limit',
  'usage_limit',
  'overloaded',
  'auth',
  'timeout',
  'network',
  'context_length',
  'server_error',
  'other',
] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

interface Rule {
  category: ErrorCategory;
  test: RegExp;
}

// Order matters: the first matching rule wins. More specific quota wording is
// checked before generic rate limiting, context errors before generic 400s.
const RULES: Rule[] = [
  { category: 'usage_limit', test: /usage[_ ]limit|insufficient[_ ]quota|quota[_ ]exceeded|exceeded your (current )?quota|billing|credit balance|\b402\b|payment required|plan limit/i },
  { category: 'rate_limit', test: /rate[_ -]?limit|too many requests|\b429\b|retry-after/i },
  { category: 'overloaded', test: /overloaded|\b529\b|capacity|server is busy|service unavailable|\b503\b/i },
  { category: 'context_length', test: /context[_ ]length|context window|maximum context|prompt is too long|too many tokens|max_tokens|token limit|input is too long|request too large|\b413\b/i },
  { category: 'auth', test: /\b401\b|\b403\b|unauthori[sz]ed|forbidden|invalid[_ ]api[_ ]key|authentication|permission[_ ]denied|invalid[_ ]token|token (has )?expired|oauth|session[_ ]expired|invalid x-api-key/i },
  { category: 'timeout', test: /time[d ]?[_ -]?out|timeout|etimedout|\b408\b|\b504\b|deadline exceeded/i },
  { category: 'network', test: /econnreset|econnrefused|enotfound|eai_again|ehostunreach|enetunreach|socket hang up|fetch failed|network|connection (was )?(closed|reset|refused|terminated)|terminated|tls|certificate/i },
  { category: 'server_error', test: /server[_ ]error|internal error|internal server|\b50[0-9]\b|bad gateway|upstream/i },
];

/** Returns the bounded error category for an error row. */
export function categorizeError(
  message: unknown,
  code?: unknown,
  type?: unknown,
): ErrorCategory {
  // Structured fields are more reliable than free text: check them first.
  const structured = [code, type].filter((v): v is string => typeof v === 'string' && v.length > 0);
  for (const s of structured) {
    const c = match(s);
    if (c) return c;
  }
  if (typeof message === 'string' && message.length > 0) {
    const c = match(message.slice(0, 2000));
    if (c) return c;
  }
  return 'other';
}

function match(text: string): ErrorCategory | null {
  for (const rule of RULES) {
    if (rule.test.test(text)) return rule.category;
  }
  return null;
}
