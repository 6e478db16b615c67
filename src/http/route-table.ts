import type { FastifyInstance } from 'fastify';
import findMyWay from 'find-my-way';

const tables = new WeakMap<object, RouteTable>();

/** Fastify's router options that decide which path matches a route: the app's router and the table share them. */
export const ROUTE_MATCHING = { ignoreTrailingSlash: true } as const;

/**
 * Every route the server answers, by method, in a second router with the same
 * matching rules as Fastify's: when a request matches no route, this says
 * which methods the path does have, for DRF's 405 with `Allow`.
 */
export class RouteTable {
  private readonly router = findMyWay({ ...ROUTE_MATCHING });
  private readonly methods = new Set<string>();
  private readonly registered: string[] = [];

  add(method: string | string[], url: string): void {
    for (const one of Array.isArray(method) ? method : [method]) {
      this.methods.add(one);
      this.registered.push(`${one} ${url}`);
      this.router.on(one as findMyWay.HTTPMethod, url, () => undefined);
    }
  }

  allowedMethods(path: string): string[] {
    const allowed = [...this.methods].filter((method) => this.router.find(method as findMyWay.HTTPMethod, path) !== null);
    if (allowed.includes('GET') && !allowed.includes('HEAD')) allowed.push('HEAD');
    if (allowed.length > 0 && !allowed.includes('OPTIONS')) allowed.push('OPTIONS');
    return allowed;
  }

  /** Every route as `METHOD /path`, in the order they were registered. */
  routes(): string[] {
    return [...this.registered];
  }

  /** Records every route registered on `fastify` from now on. */
  static install(fastify: FastifyInstance): RouteTable {
    const table = new RouteTable();
    fastify.addHook('onRoute', (route) => table.add(route.method, route.url));
    tables.set(fastify, table);
    return table;
  }

  static of(fastify: object | undefined): RouteTable | undefined {
    return fastify ? tables.get(fastify) : undefined;
  }
}
