import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { FakeClock } from "../../tests/helpers/fake-clock.ts";
import { startReferenceCC, type RunningReferenceCC } from "../../tests/reference-cc/index.ts";
import { signingKeyFromSeed } from "../identity/index.ts";
import { seededRandom } from "../time/random.ts";
import { createCentralClient, type CentralClient } from "./client.ts";
import { CredentialHolder } from "./credentials.ts";
import { CentralError } from "./errors.ts";
import { completeOrder, fetchFleetOrders } from "./orders-api.ts";

const SITE = "site-a";
const KEY = "initial-key-for-site-a-0000000000000000000000";
const APPLIANCE = `${SITE}-52:54:00:12:34:56`;

let seed = 500;
const clientAt = (endpoint: string, clock: FakeClock): CentralClient =>
  createCentralClient({
    endpoint,
    credentials: new CredentialHolder(KEY),
    identityKey: signingKeyFromSeed(seededRandom(31).bytes(32)),
    clock,
    random: seededRandom(seed++),
  });

async function rejection(p: Promise<unknown>): Promise<CentralError> {
  try {
    await p;
  } catch (err) {
    return err as CentralError;
  }
  throw new Error("expected the call to fail");
}

describe("fetchFleetOrders and completeOrder against the reference CC", () => {
  let cc: RunningReferenceCC;
  const clock = new FakeClock();
  beforeAll(async () => {
    cc = await startReferenceCC({ sites: { [SITE]: { apiKey: KEY } }, now: () => clock.now() });
  });
  afterAll(async () => {
    await cc.stop();
  });

  test("fetches the pending envelopes for this appliance, untouched", async () => {
    const env = cc.state.queueOrder({ order_type: "force_checkin", parameters: { a: 1 } });
    const orders = await fetchFleetOrders(clientAt(cc.url, clock), APPLIANCE);
    expect(orders).toEqual([{ ...env }]);
    expect(cc.state.requests.at(-1)!.query).toBe(`appliance_id=${encodeURIComponent(APPLIANCE)}`);
  });

  test("reports a completion, which CC records and stops delivering", async () => {
    const env = cc.state.queueOrder({ order_type: "run_drift" });
    const client = clientAt(cc.url, clock);
    await completeOrder(client, env.order_id, { success: false, error_message: "unknown order type: run_drift" });
    const pending = await fetchFleetOrders(client, APPLIANCE);
    expect({
      completion: cc.state.completions.at(-1),
      stillPending: pending.some((o) => o.order_id === env.order_id),
    }).toEqual({
      completion: {
        order_id: env.order_id,
        success: false,
        result: undefined,
        error_message: "unknown order type: run_drift",
        applianceId: undefined,
        time: clock.now(),
      },
      stillPending: false,
    });
  });

  test("encodes the order id into the path, and a completion for an unknown order is a 404", async () => {
    const err = await rejection(completeOrder(clientAt(cc.url, clock), "no/such order", { success: true }));
    expect({ kind: err.kind, status: err.status, message: err.message, path: cc.state.requests.at(-1)!.path }).toEqual({
      kind: "http",
      status: 404,
      message: "POST /api/orders/no%2Fsuch%20order/complete answered 404: Order not found",
      path: "/api/orders/no%2Fsuch%20order/complete",
    });
  });
});

describe("fetchFleetOrders answer shapes", () => {
  let server: ReturnType<typeof Bun.serve>;
  let answer: unknown;
  beforeAll(() => {
    server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => Response.json(answer) });
  });
  afterAll(async () => {
    await server.stop(true);
  });
  const fetchWith = (a: unknown) => {
    answer = a;
    return fetchFleetOrders(clientAt(`http://127.0.0.1:${server.port}`, new FakeClock()), APPLIANCE);
  };

  test.each([
    ["a bare list", [{ order_id: "a" }], [{ order_id: "a" }]],
    ["{orders: [...]}", { orders: [{ order_id: "a" }] }, [{ order_id: "a" }]],
    ["{orders: null}", { orders: null }, []],
    ["{}", {}, []],
    ["a list with non-objects", [{ order_id: "a" }, null, 3, "x"], [{ order_id: "a" }]],
  ])("reads %s", async (_label, a, expected) => {
    expect(await fetchWith(a)).toEqual(expected);
  });

  test("refuses orders that are not a list", async () => {
    const err = await rejection(fetchWith({ orders: "soon" }));
    expect([err instanceof CentralError, err.kind, err.message]).toEqual([true, "bad_response", "Fleet orders answer has no orders list"]);
  });
});
