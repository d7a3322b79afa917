/**
 * Test helper: checks a PromQL query (dashboard panel, variable or rule) with the
 * real parser (@prometheus-io/lezer-promql): it must parse, reference only
 * metrics of the metric table (histogram suffixes included), `up` or the given
 * recording rules, and only label names those metrics carry (plus job/instance).
 */
import { parser } from '@prometheus-io/lezer-promql';
import { METRICS } from '../src/metrics/table.js';

const TARGET_LABELS = ['job', 'instance'];

/** Metric name -> the label names its samples carry. */
export function exportedLabels(recorded: Record<string, string[]> = {}): Map<string, Set<string>> {
  const m = new Map<string, Set<string>>();
  for (const d of Object.values(METRICS)) {
    const labels = new Set([...d.labels, ...TARGET_LABELS]);
    if (d.type === 'histogram') {
      m.set(`${d.name}_bucket`, new Set([...labels, 'le']));
      m.set(`${d.name}_sum`, labels);
      m.set(`${d.name}_count`, labels);
    } else m.set(d.name, labels);
  }
  m.set('up', new Set(TARGET_LABELS));
  for (const [name, labels] of Object.entries(recorded)) m.set(name, new Set(labels));
  return m;
}

/** Grafana variables replaced by example values, so the query is plain PromQL. */
export function expandGrafana(expr: string, vars: Record<string, string> = {}): string {
  const v: Record<string, string> = { __rate_interval: '1m', __range: '1h', floor: '1200', ...vars };
  return expr.replace(/\$(__\w+|\w+)/g, (m, name: string) => v[name] ?? m);
}

/** `label_values(selector, label)` of a Grafana query variable, as a selector and a label. */
export function variableQuery(q: string): { expr: string; label: string } | null {
  const m = /^label_values\((.*),\s*(\w+)\)$/.exec(q);
  return m ? { expr: m[1], label: m[2] } : null;
}

/** Problems found in the query; [] when it is clean. */
export function lintQuery(expr: string, known: Map<string, Set<string>>): string[] {
  const problems: string[] = [];
  const tree = parser.parse(expr);
  const c = tree.cursor();
  const text = (from: number, to: number) => expr.slice(from, to);
  // Label names available inside each aggregation: the union of its selectors' labels.
  const selectors: Array<{ from: number; to: number; labels: Set<string> }> = [];
  const groupings: Array<{ from: number; to: number; names: string[]; parentFrom: number; parentTo: number }> = [];
  do {
    if (c.type.isError) problems.push(`syntax error at ${c.from}: ${JSON.stringify(text(c.from, Math.min(c.to + 10, expr.length)))}`);
    if (c.name === 'VectorSelector') {
      const node = c.node;
      const id = node.getChild('Identifier');
      const metric = id ? text(id.from, id.to) : '';
      const labels = known.get(metric);
      if (!labels) problems.push(`unknown metric ${metric || '(none)'}`);
      else {
        selectors.push({ from: c.from, to: c.to, labels });
        const matchers = node.getChild('LabelMatchers');
        for (const ln of matchers?.getChildren('UnquotedLabelMatcher') ?? []) {
          const n = ln.getChild('LabelName');
          const name = n ? text(n.from, n.to) : '';
          if (!labels.has(name)) problems.push(`metric ${metric} has no label ${name}`);
        }
      }
    }
    if (c.name === 'GroupingLabels') {
      const names = c.node.getChildren('LabelName').map((n) => text(n.from, n.to));
      const parent = c.node.parent;
      // by(...) of an aggregation: labels of the selectors in the aggregation body;
      // on(...)/group_left(...) of a binary expression: labels of its operands.
      const scope = parent?.name === 'AggregateModifier' ? parent.parent : parent?.parent;
      if (scope) groupings.push({ from: c.from, to: c.to, names, parentFrom: scope.from, parentTo: scope.to });
    }
  } while (c.next());
  for (const g of groupings) {
    const avail = new Set<string>();
    for (const s of selectors) if (s.from >= g.parentFrom && s.to <= g.parentTo) for (const l of s.labels) avail.add(l);
    for (const n of g.names) if (!avail.has(n)) problems.push(`grouping label ${n} is not exported by the metrics it groups`);
  }
  return problems;
}
