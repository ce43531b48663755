/**
 * The catalog built into this binary: `catalog.generated.ts` holds the documents that
 * `scripts/build-catalog.ts` validated, so nothing is read from disk at run time.
 * @module
 */
import { createCatalog, type Catalog } from "./catalog.ts";
import { CATALOG_DOCUMENTS } from "./catalog.generated.ts";
import type { Check, Runbook } from "./schema.ts";

let memo: Catalog | undefined;
/** The embedded catalog, built once. */
export function embeddedCatalog(): Catalog {
  memo ??= createCatalog(CATALOG_DOCUMENTS.checks as unknown as Check[], CATALOG_DOCUMENTS.runbooks as unknown as Runbook[]);
  return memo;
}
