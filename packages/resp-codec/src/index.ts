// @shoal/resp-codec: streaming RESP2/RESP3 decoder and encoder.
export type { CommandArgs, ReplyWriter } from "./contracts.js";
