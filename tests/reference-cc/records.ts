/**
 * What the reference CC records about the calls it received, for tests to assert on.
 * @module
 */
import type { CheckinBody } from "./checkin-body.ts";
import type { RouteName } from "./route-names.ts";
import type { SigauthReason, SigauthVerdict } from "./sigauth.ts";

/** Every request, whatever its outcome. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** Query string without `?`, empty when none. */
  query: string;
  route: RouteName;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Parsed JSON when the body was JSON, else its text (empty for none). */
  body: unknown;
  status: number;
  /** `now()` when the request arrived. */
  time: number;
  /** Verdict on sigauth headers, when the request carried any. */
  sigauth?: SigauthVerdict;
}

/** A check-in whose body was well-formed (accepted or refused). */
export interface RecordedCheckin {
  body: CheckinBody;
  applianceId: string;
  /** The bearer key the appliance sent. */
  bearer: string;
  sigauthValid: boolean;
  sigauthReason?: SigauthReason;
  /** CC's heartbeat verdict; false too when the check-in was refused before CC looked. */
  heartbeatValid: boolean;
  status: number;
  rotatedApiKey?: string;
  time: number;
}

/** A `POST /api/provision/rekey`. */
export interface RecordedRekey {
  site_id: unknown;
  mac_address: unknown;
  hostname?: unknown;
  hardware_id?: unknown;
  status: number;
  /** The key handed out, when one was. */
  api_key?: string;
  time: number;
}

/** A sigauth refusal (or, when not enforcing, a failure that was let through). */
export interface SigauthRejection {
  path: string;
  reason: SigauthReason;
  fingerprint: string | null;
  enforced: boolean;
  time: number;
}
