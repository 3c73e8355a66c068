// The server encodes replies with @shoal/resp-codec's ReplyBuffer (a per-connection slab flushed
// once per event-loop turn, RESP2/RESP3 aware, %.17g doubles); this module keeps the server's
// import path.
export { formatDouble17g, ReplyBuffer, ReplyTooLargeError } from "@shoal/resp-codec";
