// The dependency rule of docs/architecture.md, checked on the import graph that
// dependency-cruiser reads from the sources (type-only imports included).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cruise, type ICruiseResult, type IForbiddenRuleType } from 'dependency-cruiser';
import { beforeAll, describe, expect, it } from 'vitest';

const rules: IForbiddenRuleType[] = [
  {
    name: 'pure-domain',
    comment: 'the domain imports no other lib and no package, only Node built-ins',
    severity: 'error',
    from: { path: '^libs/domain/src/' },
    to: { pathNot: '^libs/domain/src/', dependencyTypesNot: ['core'] },
  },
  {
    name: 'apps-import-libs-only',
    comment: 'an app is a composition root: it imports libs, never another app',
    severity: 'error',
    from: { path: '^apps/([^/]+)/' },
    to: { path: '^apps/', pathNot: '^apps/$1/' },
  },
  {
    name: 'libs-never-import-apps',
    severity: 'error',
    from: { path: '^libs/' },
    to: { path: '^apps/' },
  },
  {
    name: 'ports-import-no-adapters',
    comment: 'adapters depend on their port; the port and its users never on an adapter (only the composition picks one)',
    severity: 'error',
    from: { path: '^libs/', pathNot: ['^libs/event-store/src/(postgres|eventstoredb|memory)/', '^libs/platform/src/event-store-selection\\.ts$'] },
    to: { path: '^libs/event-store/src/(postgres|eventstoredb|memory)/' },
  },
  {
    name: 'web-client-through-the-client-library',
    comment: 'the web client speaks to the server only through libs/client',
    severity: 'error',
    from: { path: '^web/' },
    to: { path: '^(libs|apps)/', pathNot: '^libs/client/' },
  },
  {
    name: 'client-library-framework-free',
    comment: 'libs/client runs in browsers and Node alike: no package, no Node built-in, no lib but the response types of libs/protocol and libs/audit',
    severity: 'error',
    from: { path: '^libs/client/src/' },
    to: { pathNot: '^libs/(client|protocol|audit)/' },
  },
  {
    name: 'clients-take-only-types-from-the-server',
    comment: 'no class-validator, Nest or domain code may reach a browser bundle',
    severity: 'error',
    from: { path: '^(web|libs/client/src)/' },
    to: { path: '^libs/(protocol|audit)/', dependencyTypesNot: ['type-only'] },
  },
  {
    name: 'no-file-cycles',
    severity: 'error',
    from: {},
    to: { circular: true },
  },
];

let graph: ICruiseResult;

beforeAll(async () => {
  const result = await cruise(['libs', 'apps', 'web/src'], {
    tsPreCompilationDeps: true,
    exclude: { path: '(^|/)test/' },
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    validate: true,
    ruleSet: { forbidden: rules },
  });
  graph = result.output as ICruiseResult;
}, 60_000);

/** `libs/<name>`, `apps/<name>` or `web` of a source path. */
const unitOf = (source: string) => (source.startsWith('web/') ? 'web' : source.split('/').slice(0, 2).join('/'));
const UNIT = /^(libs|apps|web)\//;

function libraryGraph(): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const module of graph.modules) {
    if (!UNIT.test(module.source)) continue;
    const from = unitOf(module.source);
    const targets = edges.get(from) ?? edges.set(from, new Set()).get(from)!;
    for (const dependency of module.dependencies) {
      if (!UNIT.test(dependency.resolved)) continue;
      const to = unitOf(dependency.resolved);
      if (to !== from) targets.add(to);
    }
  }
  return edges;
}

/** Strongly connected components with more than one member (Tarjan). */
function cycles(edges: Map<string, Set<string>>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (node: string) => {
    indices.set(node, index);
    low.set(node, index++);
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (stack.includes(next)) low.set(node, Math.min(low.get(node)!, indices.get(next)!));
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string;
      do component.push((member = stack.pop()!));
      while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of edges.keys()) if (!indices.has(node)) visit(node);
  return found;
}

describe('the dependency rule', () => {
  it('reads the whole tree (every import resolves)', () => {
    expect(graph.modules.filter((m) => m.source.startsWith('libs/domain/')).length).toBeGreaterThan(5);
    const unresolved = graph.modules.flatMap((m) => m.dependencies.filter((d) => d.couldNotResolve && d.module.startsWith('.')).map((d) => `${m.source} -> ${d.module}`));
    expect(unresolved).toEqual([]);
  });

  it('holds: pure domain, apps import only libs, libs never apps, no adapter imported past its port, clients through libs/client, no file cycles', () => {
    const violations = graph.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}${v.cycle ? ` (${v.cycle.map((c) => c.name).join(' -> ')})` : ''}`);
    expect(violations).toEqual([]);
  });

  it('has no cycle between libraries', () => {
    expect(cycles(libraryGraph())).toEqual([]);
  });

  it('gives each app one composition root: its main.ts', () => {
    for (const app of readdirSync('apps')) expect(readdirSync(`apps/${app}/src`), app).toEqual(['main.ts']);
  });

  it('is drawn in docs/architecture.md as it is in the code (UPDATE_DOCS=1 redraws it)', () => {
    const page = readFileSync('docs/architecture.md', 'utf8');
    const block = /(<!-- dependency-graph:start -->\n```\n)([\s\S]*?)(```\n<!-- dependency-graph:end -->)/;
    expect(block.test(page), 'docs/architecture.md has the dependency-graph block').toBe(true);
    const actual = [...libraryGraph()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([from, to]) => `${from.padEnd(20)} → ${[...to].sort().map((t) => t.replace(/^libs\//, '')).join(', ') || '(nothing)'}\n`)
      .join('');
    if (process.env.UPDATE_DOCS) writeFileSync('docs/architecture.md', page.replace(block, `$1${actual}$3`));
    else expect(block.exec(page)![2]).toBe(actual);
  });
});
