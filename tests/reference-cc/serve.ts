/**
 * The reference CC on a real socket (`Bun.serve`), plain HTTP or HTTPS, on 127.0.0.1.
 * @module
 */
import type { Hono } from "hono";
import type { CCEnv } from "./hono-env.ts";
import { createReferenceCC, type CreateReferenceCCOptions } from "./server.ts";
import type { CCState } from "./state.ts";

/** Where and how to listen. */
export interface StartReferenceCCOptions extends CreateReferenceCCOptions {
  /** Default 0: any free port. Pass a former port to come back where the agent expects CC. */
  port?: number;
  /** Default 127.0.0.1. */
  hostname?: string;
  /** Serve HTTPS with these PEM strings. */
  tls?: { cert: string; key: string };
}

/** A listening reference CC. */
export interface RunningReferenceCC {
  url: string;
  port: number;
  state: CCState;
  app: Hono<CCEnv>;
  /** Closes the listener and every open connection: the agent then sees connection refused. */
  stop(): Promise<void>;
  /** Listens again on the same port with the same state. */
  restart(): Promise<void>;
}

/**
 * Starts a reference CC.
 *
 * @example
 * const cc = await startReferenceCC({ sites: { "site-1": { apiKey: "k" } } });
 * try {
 *   // point the agent at cc.url, then: await cc.state.waitFor((s) => s.acceptedCheckins.length > 0);
 * } finally {
 *   await cc.stop();
 * }
 */
export async function startReferenceCC(options: StartReferenceCCOptions = {}): Promise<RunningReferenceCC> {
  const { port = 0, hostname = "127.0.0.1", tls } = options;
  const { app, state } = createReferenceCC(options);
  const listen = (onPort: number) =>
    Bun.serve({ hostname, port: onPort, fetch: (request) => app.fetch(request), ...(tls ? { tls } : {}) });
  let server: ReturnType<typeof listen> | undefined = listen(port);
  const boundPort = server.port!;
  return {
    url: `${tls ? "https" : "http"}://${hostname}:${boundPort}`,
    port: boundPort,
    state,
    app,
    async stop() {
      await server?.stop(true);
      server = undefined;
    },
    async restart() {
      await server?.stop(true);
      server = listen(boundPort);
    },
  };
}
