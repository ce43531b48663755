/**
 * Recovery from a revoked key: `POST /api/provision/rekey`, unauthenticated, identified by
 * site, MAC and hardware id. CC allows one per appliance per hour.
 * @module
 */
import { z } from "zod";
import type { CentralClient } from "./client.ts";
import { CentralError } from "./errors.ts";

export const REKEY_PATH = "/api/provision/rekey";

const answerSchema = z.looseObject({ api_key: z.string().min(16), appliance_id: z.string().optional() });

export async function requestRekey(
  client: CentralClient,
  who: { siteId: string; macAddress: string; hostname: string; hardwareId?: string },
  signal?: AbortSignal,
): Promise<{ apiKey: string; applianceId?: string }> {
  const json = await client.post(
    REKEY_PATH,
    {
      site_id: who.siteId,
      mac_address: who.macAddress,
      hostname: who.hostname,
      ...(who.hardwareId ? { hardware_id: who.hardwareId } : {}),
    },
    { auth: false, signal },
  );
  const p = answerSchema.safeParse(json);
  if (!p.success) throw new CentralError("bad_response", "Rekey answer carries no usable api_key");
  return { apiKey: p.data.api_key, applianceId: p.data.appliance_id };
}
