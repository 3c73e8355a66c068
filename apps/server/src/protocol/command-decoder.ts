// The server decodes commands with @shoal/resp-codec's CommandDecoder (bounds into the read
// buffer, Redis 7.0's limits and protocol errors); this module keeps the server's import path.
export {
  CommandDecoder,
  DecodeResult,
  OwnedArgs,
  string2ll as parseLongLong,
} from "@shoal/resp-codec";
