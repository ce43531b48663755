import { expect, test } from "bun:test";
import { TransportError } from "../executor.ts";
import { executorContract } from "../executor.contract.ts";
import { createLocalExecutor } from "./local-executor.ts";

executorContract("local", async () => createLocalExecutor());

test("a closed local executor refuses to run", async () => {
  const executor = createLocalExecutor();
  await executor.close();
  const error = await executor.run("true", { deadlineMs: 1_000 }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TransportError);
  expect(error).toMatchObject({ kind: "closed" });
});
