// Errors raised by the cluster bus. Protocol errors are returned by the frame decoder (never
// thrown out of a socket callback); the link that hit one is closed with a log line, as Redis's
// clusterReadHandler() does on "Bad message length or signature".

export const BusErrorCode = {
  BAD_MAGIC: "BAD_MAGIC",
  BAD_VERSION: "BAD_VERSION",
  FRAME_TOO_LARGE: "FRAME_TOO_LARGE",
  UNDECODABLE: "UNDECODABLE",
  INVALID_MESSAGE: "INVALID_MESSAGE",
} as const;
export type BusErrorCode = (typeof BusErrorCode)[keyof typeof BusErrorCode];

/** A frame that cannot be accepted; the link that produced it must be closed. */
export class BusProtocolError extends Error {
  override readonly name = "BusProtocolError";
  readonly code: BusErrorCode;
  constructor(code: BusErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Misuse of a transport (unknown link, listening twice, ...). */
export class TransportError extends Error {
  override readonly name = "TransportError";
}
