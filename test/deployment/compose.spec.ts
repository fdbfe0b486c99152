import { existsSync, readFileSync } from 'node:fs';
import { CORE_SCHEMA, load, mergeTag } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig, requireSecrets } from '../../libs/platform/src/config.js';

/**
 * docker/compose.yml read as `docker compose up` would read it with no docker/.env: parsed
 * (merge keys included), `${VAR:-default}` interpolated from an empty environment, each app's
 * environment put through the app's own configuration checks. No Docker engine runs here: this
 * checks the file against the code, not that the images start.
 */
interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number | boolean>;
  healthcheck?: { test: string[]; interval?: string; retries?: number };
  depends_on?: Record<string, { condition: 'service_started' | 'service_healthy' | 'service_completed_successfully' }>;
}

const composeText = readFileSync('docker/compose.yml', 'utf8');
const compose = load(composeText, { schema: CORE_SCHEMA.withTags(mergeTag) }) as { services: Record<string, Service> };
const services = compose.services;

/** Compose interpolation with nothing set: `${VAR:-default}` and `${VAR-default}` give the default; anything else fails here. */
function interpolate(value: string): string {
  return value.replace(/\$\{([A-Z0-9_]+)(:?-)?([^}]*)\}/g, (whole, _name: string, operator: string | undefined, fallback: string) => {
    if (!operator) throw new Error(`${whole} has no default: compose would substitute an empty string`);
    return fallback;
  });
}

function environmentOf(service: Service): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([name, value]) => [name, interpolate(String(value))]));
}

/** The app a service runs: apps/<name>/src/main.ts behind `node dist/apps/<name>/src/main.js`. */
function appOf(service: Service): string | undefined {
  return service.command?.join(' ').match(/dist\/apps\/([^/]+)\/src\/main\.js/)?.[1];
}

const apps = Object.entries(services).filter(([, service]) => appOf(service));

describe('docker/compose.yml (parsed; never run here: no Docker engine on the development machines)', () => {
  it('runs the three apps of the split deployment, each from its built entry point', () => {
    expect(apps.map(([, service]) => appOf(service)).sort()).toEqual(['command-api', 'projector', 'query-api']);
    for (const [, service] of apps) expect(existsSync(`apps/${appOf(service)}/src/main.ts`)).toBe(true);
  });

  for (const [name, service] of apps) {
    it(`${name}: its environment passes the app's configuration checks (loadConfig, requireSecrets, the split app's DATABASE_URL, the chosen event store)`, () => {
      const env = environmentOf(service);
      const config = loadConfig(env);
      expect(readFileSync(`apps/${appOf(service)}/src/main.ts`, 'utf8')).toContain('runSplitApp');
      expect(config.DATABASE_URL, 'runSplitApp requires DATABASE_URL').toBeTruthy();
      expect(() => requireSecrets(config)).not.toThrow();
      if (config.EVENT_STORE === 'eventstoredb') expect(config.EVENTSTORE_CONNECTION_STRING).toBeTruthy();
    });

    it(`${name}: every host it is told to reach is a service of the file, and the database credentials are the database's`, () => {
      const env = environmentOf(service);
      const database = new URL(env.DATABASE_URL);
      expect(services[database.hostname], database.hostname).toBeDefined();
      const postgres = environmentOf(services[database.hostname]);
      expect([database.username, database.password, database.pathname.slice(1)]).toEqual([postgres.POSTGRES_USER, postgres.POSTGRES_PASSWORD, postgres.POSTGRES_DB]);
      if (env.EVENTSTORE_CONNECTION_STRING) expect(services[new URL(env.EVENTSTORE_CONNECTION_STRING).hostname]).toBeDefined();
      for (const broker of (env.KAFKA_BROKERS ?? '').split(',').filter(Boolean)) expect(services[broker.split(':')[0]], broker).toBeDefined();
    });

    it(`${name}: its health check asks its own port for /health, and it starts only after what it needs is healthy`, () => {
      const env = environmentOf(service);
      expect(service.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${env.PORT}/health`);
      const needs = service.depends_on ?? {};
      expect(needs.postgres?.condition).toBe('service_healthy');
      if (env.EVENT_STORE === 'eventstoredb') expect(needs.eventstoredb?.condition).toBe('service_healthy');
    });
  }

  it('the Kafka publisher (in the projector) starts after Kafka; it may start before Kafka is healthy because it retries', () => {
    expect(environmentOf(services.projector).KAFKA_BROKERS).toBeTruthy();
    expect(services.projector.depends_on?.kafka).toBeDefined();
  });

  it('every image is pinned to a version (no `latest`, no bare name); only the app image is built here', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.build) {
        expect(service.image, name).toMatch(/:local$/);
        continue;
      }
      // A version tag, MinIO's dated release tag (RELEASE.2025-04-22T22-12-26Z), or a digest.
      expect(service.image, name).toMatch(/^[^:@]+(:\d+(\.\d+)*[\w.-]*|:RELEASE\.\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z|@sha256:[0-9a-f]{64})$/);
      expect(service.image, name).not.toMatch(/:latest$/);
    }
  });

  it('start order: every dependency is a service, waits only on services that have a health check, and there is no cycle', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(services[dependency], `${name} → ${dependency}`).toBeDefined();
        if (condition === 'service_healthy') expect(services[dependency].healthcheck, `${name} waits for ${dependency} to be healthy`).toBeDefined();
      }
    }
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (name: string) => {
      if (done.has(name)) return;
      expect(visiting.has(name), `cycle through ${name}`).toBe(false);
      visiting.add(name);
      for (const dependency of Object.keys(services[name].depends_on ?? {})) visit(dependency);
      visiting.delete(name);
      done.add(name);
    };
    Object.keys(services).forEach(visit);
  });

  it('the proxy waits for the APIs it proxies to be healthy, and names them as the file does', () => {
    const nginx = readFileSync('docker/nginx.conf', 'utf8');
    const upstreams = [...nginx.matchAll(/^\s*server\s+([\w-]+):(\d+)/gm)].map((m) => ({ host: m[1], port: m[2] }));
    expect(upstreams.length).toBeGreaterThan(0);
    for (const { host, port } of upstreams) {
      expect(services[host], host).toBeDefined();
      expect(environmentOf(services[host]).PORT).toBe(port);
      expect(services.proxy.depends_on?.[host]?.condition).toBe('service_healthy');
    }
    // The upstream `resolve` parameter needs nginx 1.27.3 or later.
    if (/\sresolve;/.test(nginx)) {
      const [major, minor, patch] = services.proxy.image!.split(':')[1].split('.').map(Number);
      expect(major * 1_000_000 + minor * 1_000 + patch).toBeGreaterThanOrEqual(1_027_003);
    }
  });

  it('says in its header that it has never been run (until someone runs it: then change the header and this line)', () => {
    expect(composeText.split('\n').slice(0, 12).join('\n')).toMatch(/never been run/);
  });
});
