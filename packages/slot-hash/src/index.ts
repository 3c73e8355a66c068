// @shoal/slot-hash: CRC16 (XMODEM) key -> hash slot for Redis Cluster, hash tags, slot ranges and bitmaps.
export {};
