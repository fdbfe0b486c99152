/**
 * Event schema versions and upcasters.
 *
 * Every event carries the version of its data's shape in `metadata.schemaVersion` (stamped on
 * append by UpcastingEventStore). An event without one was written before versions were
 * stamped and is taken as version 1. An upcaster turns the data of version N into version
 * N + 1; the registry chains them, so readers only ever see the current shape.
 */
export interface Upcaster {
  type: string;
  /** The version this upcaster reads; it returns data of version `fromVersion + 1`. */
  fromVersion: number;
  upcast(data: Record<string, unknown>): Record<string, unknown>;
}

export const SCHEMA_VERSION_KEY = 'schemaVersion';

export class UpcasterRegistry {
  private readonly byType = new Map<string, Map<number, Upcaster>>();
  private readonly current = new Map<string, number>();

  /**
   * @param currentVersions the current schema version of each event type that has more than
   *   one (types not listed are at version 1)
   */
  constructor(currentVersions: Record<string, number>, upcasters: Upcaster[]) {
    for (const [type, version] of Object.entries(currentVersions)) this.current.set(type, version);
    for (const upcaster of upcasters) {
      const chain = this.byType.get(upcaster.type) ?? new Map<number, Upcaster>();
      if (chain.has(upcaster.fromVersion)) throw new Error(`two upcasters for ${upcaster.type} v${upcaster.fromVersion}`);
      chain.set(upcaster.fromVersion, upcaster);
      this.byType.set(upcaster.type, chain);
    }
    // Every version below the current one needs its step, or a reader would get an old shape.
    for (const [type, version] of this.current) {
      for (let v = 1; v < version; v++) {
        if (!this.byType.get(type)?.has(v)) throw new Error(`no upcaster for ${type} v${v} → v${v + 1}`);
      }
    }
  }

  currentVersion(type: string): number {
    return this.current.get(type) ?? 1;
  }

  /** The data in the current shape and its version; the input is not modified. */
  upcast(type: string, version: number, data: Record<string, unknown>): { data: Record<string, unknown>; version: number } {
    const target = this.currentVersion(type);
    if (version > target) throw new Error(`${type} has schema version ${version}, newer than this code's ${target}`);
    let current = data;
    for (let v = version; v < target; v++) current = this.byType.get(type)!.get(v)!.upcast(current);
    return { data: current, version: target };
  }
}

/** The version recorded in an event's metadata (1 when there is none). */
export function schemaVersionOf(metadata: Record<string, unknown> | undefined): number {
  const version = metadata?.[SCHEMA_VERSION_KEY];
  return typeof version === 'number' && Number.isInteger(version) && version >= 1 ? version : 1;
}
