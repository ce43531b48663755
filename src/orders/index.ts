export { verifyOrder, envelopeOrderId } from "./verify.ts";
export type { RejectCode, Verdict, VerifiedOrder, VerifyContext } from "./verify.ts";
export { createOrderRunner } from "./runner.ts";
export type { OrderHandler, OrderOutcome, OrderRunner, OrderRunnerOptions } from "./runner.ts";
export { KNOWN_ORDER_TYPES, isKnownOrderType } from "./order-types.ts";
export { controlHandlers } from "./handlers/control.ts";
export type { ControlDeps } from "./handlers/control.ts";
