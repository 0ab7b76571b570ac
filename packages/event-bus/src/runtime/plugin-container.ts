import 'reflect-metadata';
import type {
  DepsMap,
  HostProvision,
  PluginDefinition,
  ResolvedDeps,
  ServiceDefinition,
  Token,
} from '@engagement/plugin-api';
import { type DependencyContainer, container as rootContainer } from 'tsyringe';
import { PluginError } from '../errors.js';

/**
 * The host's dependency container. Plugins never see tsyringe: they declare token maps, and this class
 * resolves them. Services are built once, in dependency order, before the first event is handled.
 */
export class PluginContainer {
  private readonly container: DependencyContainer = rootContainer.createChildContainer();

  private constructor() {}

  /** Registers host values, then builds every plugin service. Assumes `validatePlugins` passed. */
  static async create(
    plugins: readonly PluginDefinition[],
    host: readonly HostProvision[],
  ): Promise<PluginContainer> {
    const self = new PluginContainer();
    for (const { token, value } of host) self.container.registerInstance(token.key, value);
    const pending = new Map<string, { pluginId: string; service: ServiceDefinition }>();
    for (const plugin of plugins) {
      for (const service of plugin.services) pending.set(service.token.id, { pluginId: plugin.id, service });
    }
    const building = new Set<string>();
    const build = async (id: string): Promise<void> => {
      const entry = pending.get(id);
      if (!entry || self.container.isRegistered(entry.service.token.key)) return;
      if (building.has(id)) {
        throw new PluginError('EB_PLUGIN_INVALID', entry.pluginId, `service ${id} depends on itself (cycle)`);
      }
      building.add(id);
      for (const dep of Object.values(entry.service.deps as DepsMap)) await build(dep.id);
      const value = await entry.service.factory(self.resolve(entry.service.deps as DepsMap));
      self.container.registerInstance(entry.service.token.key, value);
      building.delete(id);
    };
    for (const id of pending.keys()) await build(id);
    return self;
  }

  /** Resolves one token. */
  get<T>(token: Token<T>): T {
    return this.container.resolve<T>(token.key);
  }

  /** Resolves a dependency map into instances, keeping the names. */
  resolve<D extends DepsMap>(deps: D): ResolvedDeps<D> {
    const out: Record<string, unknown> = {};
    for (const [name, token] of Object.entries(deps)) out[name] = this.get(token);
    return out as ResolvedDeps<D>;
  }
}
