// A client's CLIENT TRACKING state as bits of Client.tracking, Redis's CLIENT_TRACKING_* flags
// (server.h). Its own module so the client and the tracking table can both read them without
// importing each other.
export const TrackingFlag = {
  /** CLIENT TRACKING ON (CLIENT LIST flag t). */
  On: 1,
  /** The REDIRECT client is gone (flag R; TRACKINGINFO broken_redirect). */
  BrokenRedir: 2,
  /** BCAST: invalidations by prefix, whatever the client read (flag B). */
  Bcast: 4,
  Optin: 8,
  Optout: 16,
  /** CLIENT CACHING YES (OPTIN) or NO (OPTOUT) given for the next command or transaction. */
  Caching: 32,
  Noloop: 64,
} as const;
