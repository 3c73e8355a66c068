# redis-py's client-side cache (cache_config, RESP3) and a RESP2 REDIRECT subscriber, against the
# server on argv[1]; prints one JSON object of what it saw, for client-tracking-libraries.test.ts.
import json
import sys
import time

import redis
from redis.cache import CacheConfig
from redis.connection import CacheProxyConnection

# redis-py 8 turns its cache on only for servers that report 7.4 or later; Redis 7.0.15 speaks the
# same CLIENT TRACKING protocol, which is what this checks, so the gate is lowered to 7.0.
CacheProxyConnection.MIN_ALLOWED_VERSION = "7.0.0"

port = int(sys.argv[1])
out = {"version": redis.__version__}
writer = redis.Redis(port=port)
writer.delete("py:k", "py:r")

cached = redis.Redis(port=port, protocol=3, cache_config=CacheConfig())
cache = cached.get_cache()
writer.set("py:k", "v1")
out["first"] = [cached.get("py:k").decode(), cached.get("py:k").decode(), cache.size]
writer.set("py:k", "v2")
time.sleep(0.1)
out["after_write"] = [cached.get("py:k").decode(), cache.size]
writer.flushall()
time.sleep(0.1)
out["after_flushall"] = [cached.get("py:k"), cache.size]

# RESP2 (redis-py 8 speaks RESP3 unless told): the invalidations of a tracking connection go to a subscriber of __redis__:invalidate.
sub = redis.Redis(port=port, protocol=2).pubsub()
sub.subscribe("__redis__:invalidate")
sub.get_message(timeout=1)
sub_id = redis.Redis(port=port).client_list(_type="pubsub")[0]["id"]
tracked = redis.Redis(port=port, protocol=2, single_connection_client=True)
out["tracking"] = tracked.execute_command("CLIENT", "TRACKING", "on", "REDIRECT", sub_id).decode()
tracked.get("py:r")
writer.set("py:r", "x")
msg = sub.get_message(timeout=2)
out["redirect_message"] = [msg["type"], msg["channel"].decode(), [k.decode() for k in msg["data"]]]
writer.flushall()
msg = sub.get_message(timeout=2)
out["redirect_flush"] = [msg["type"], msg["data"]]
print(json.dumps(out))
