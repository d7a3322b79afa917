/**
 * The usage, quota and pricing part of the effective settings, in the form the
 * ingest pipeline and the quota poller take: windows parsed, the price table and
 * rate card loaded (a bad file is a one-line SettingsError), polling configured.
 */
import { parseWindow, type WindowSpec } from '../ledger/windows.js';
import { loadPricing, type Pricing } from '../pricing/prices.js';
import { loadRateCard, type RateCard } from '../pricing/rate-card.js';
import { SETTINGS, type SettingValues } from './spec.js';
import { SettingsError } from './types.js';

export interface UsageSettings {
  windows: WindowSpec[];
  maxModels: number;
  maxAgents: number;
  maxChannels: number;
  pricing: Pricing;
  rateCard: RateCard;
  poll: { codexBaseUrl: string; anthropicBaseUrl: string } | null;
}

type UsageValues = Partial<
  Pick<SettingValues, 'windows' | 'maxModels' | 'maxAgents' | 'maxChannels' | 'pricing' | 'rateCard' | 'pollQuota' | 'codexUsageUrl' | 'anthropicUsageUrl'>
>;

function dflt<K extends keyof typeof SETTINGS>(k: K): NonNullable<(typeof SETTINGS)[K]['default']> {
  return SETTINGS[k].default as NonNullable<(typeof SETTINGS)[K]['default']>;
}

/** Usage settings from validated setting values (absent ones take the spec's defaults). */
export function usageSettings(v: UsageValues = {}): UsageSettings {
  const seen = new Map<string, WindowSpec>();
  for (const part of (v.windows ?? dflt('windows')).split(',')) {
    const w = part.trim() ? parseWindow(part) : null;
    if (w) seen.set(w.name, w);
  }
  let pricing: Pricing;
  let rateCard: RateCard;
  try {
    pricing = loadPricing(v.pricing ?? undefined);
    rateCard = loadRateCard(v.rateCard ?? undefined);
  } catch (err) {
    throw new SettingsError((err as Error).message);
  }
  const base = (s: string) => s.replace(/\/+$/, '');
  return {
    windows: [...seen.values()],
    maxModels: v.maxModels ?? dflt('maxModels'),
    maxAgents: v.maxAgents ?? dflt('maxAgents'),
    maxChannels: v.maxChannels ?? dflt('maxChannels'),
    pricing,
    rateCard,
    poll: v.pollQuota
      ? { codexBaseUrl: base(v.codexUsageUrl ?? dflt('codexUsageUrl')), anthropicBaseUrl: base(v.anthropicUsageUrl ?? dflt('anthropicUsageUrl')) }
      : null,
  };
}

export function defaultUsageSettings(): UsageSettings {
  return usageSettings();
}
