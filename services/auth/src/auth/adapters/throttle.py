"""The login throttle on Redis (rules: auth.domain.throttle).

Each counter is a sorted set of attempt ids scored by their time in
milliseconds; one Lua script judges an attempt and counts it in one step, so
concurrent attempts (other workers, other instances) cannot slip past a count.
Times come from the caller's clock, so every instance judges by the same rule
whatever Redis's own clock says, and tests can move time.

Keys (all expire on their own): ``auth:login:account:<username digest>``,
``auth:login:reset:<username digest>`` (the last success),
``auth:login:address:<address>``, ``auth:login:pair:<username digest>:<address>``
and ``auth:login:familiar:<username digest>`` (addresses it logged in from).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import redis

from auth.domain.throttle import (
    LoginLimits,
    address_key,
    retry_after_seconds,
    username_digest,
)
from auth.service_layer.ports import Attempt, ThrottleUnavailable, TooManyAttempts
from auth.service_layer.repositories import username_key

PREFIX = "auth:login:"

# KEYS: account, reset, address, pair, familiar
# ARGV: now, window, free, cap, address free, address cap, max delay,
#       familiar for, attempt id, address   (times in milliseconds)
BEGIN = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local free, cap = tonumber(ARGV[3]), tonumber(ARGV[4])
local address_free, address_cap = tonumber(ARGV[5]), tonumber(ARGV[6])
local max_delay = tonumber(ARGV[7])
local familiar_for = tonumber(ARGV[8])
local attempt, address = ARGV[9], ARGV[10]
local since = now - window

local function wait(key, reset, counter_free, counter_cap)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', since)
  local total = redis.call('ZCARD', key)
  local result = 0
  if total >= counter_cap then
    local oldest = redis.call('ZRANGE', key, total - counter_cap, total - counter_cap, 'WITHSCORES')
    result = tonumber(oldest[2]) + window - now
  end
  -- In the window (after since) and not before the last success.
  local lower = '(' .. since
  if reset > since then
    lower = reset
  end
  local recent = redis.call('ZCOUNT', key, lower, '+inf')
  -- With no free failures, the first attempt has no failure to wait after.
  if recent > 0 and recent >= counter_free then
    local pause = max_delay
    if recent - counter_free < 32 then
      pause = math.min(1000 * 2 ^ (recent - counter_free), max_delay)
    end
    local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
    result = math.max(result, tonumber(last[2]) + pause - now)
  end
  return result
end

local seen = redis.call('ZSCORE', KEYS[5], address)
local familiar = seen and tonumber(seen) > now - familiar_for
local retry, limited = 0, 'account'
local counted
if familiar then
  retry = wait(KEYS[4], 0, free, cap)
  counted = {KEYS[4]}
else
  local reset = tonumber(redis.call('GET', KEYS[2]) or '0')
  retry = wait(KEYS[1], reset, free, cap)
  local by_address = wait(KEYS[3], 0, address_free, address_cap)
  if by_address > retry then
    retry, limited = by_address, 'address'
  end
  counted = {KEYS[1], KEYS[3]}
end
if retry > 0 then
  return {0, math.ceil(retry), limited}
end
for _, key in ipairs(counted) do
  redis.call('ZADD', key, now, attempt)
  redis.call('PEXPIRE', key, window)
end
return {1, familiar and 1 or 0, ''}
"""

# KEYS: account, reset, address, pair, familiar
# ARGV: now, window, familiar for, most familiar addresses, attempt id, address
SUCCEEDED = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local familiar_for = tonumber(ARGV[3])
local most = tonumber(ARGV[4])
local attempt, address = ARGV[5], ARGV[6]
redis.call('ZREM', KEYS[1], attempt)
redis.call('ZREM', KEYS[3], attempt)
redis.call('DEL', KEYS[4])
redis.call('SET', KEYS[2], now, 'PX', window)
redis.call('ZADD', KEYS[5], now, address)
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now - familiar_for)
redis.call('ZREMRANGEBYRANK', KEYS[5], 0, -(most + 1))
redis.call('PEXPIRE', KEYS[5], familiar_for)
return 1
"""


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def _total_ms(span: timedelta) -> int:
    return int(span.total_seconds() * 1000)


class RedisLoginThrottle:
    def __init__(self, client: redis.Redis, limits: LoginLimits) -> None:
        self._client = client
        self._limits = limits
        self._begin = client.register_script(BEGIN)
        self._succeeded = client.register_script(SUCCEEDED)

    @staticmethod
    def _keys(user: str, address: str) -> list[str]:
        return [
            f"{PREFIX}account:{user}",
            f"{PREFIX}reset:{user}",
            f"{PREFIX}address:{address}",
            f"{PREFIX}pair:{user}:{address}",
            f"{PREFIX}familiar:{user}",
        ]

    def begin(self, username: str, address: str | None, now: datetime) -> Attempt:
        limits = self._limits
        user = username_digest(username_key(username))
        where = address_key(address)
        attempt_id = uuid.uuid4().hex
        try:
            admitted, value, limited = self._begin(
                keys=self._keys(user, where),
                args=[
                    _ms(now),
                    _total_ms(limits.window),
                    limits.free_failures,
                    limits.account_cap,
                    limits.address_free_failures,
                    limits.address_cap,
                    _total_ms(limits.max_delay),
                    _total_ms(limits.familiar_for),
                    attempt_id,
                    where,
                ],
            )
        except redis.RedisError as exc:
            raise ThrottleUnavailable(type(exc).__name__) from None
        if not admitted:
            limited_by = limited.decode() if isinstance(limited, bytes) else str(limited)
            raise TooManyAttempts(retry_after_seconds(int(value)), limited_by)
        return Attempt(attempt_id, user, where, familiar=bool(value))

    def succeeded(self, attempt: Attempt, now: datetime) -> None:
        limits = self._limits
        try:
            self._succeeded(
                keys=self._keys(attempt.user, attempt.address),
                args=[
                    _ms(now),
                    _total_ms(limits.window),
                    _total_ms(limits.familiar_for),
                    limits.familiar_addresses,
                    attempt.attempt_id,
                    attempt.address,
                ],
            )
        except redis.RedisError as exc:
            raise ThrottleUnavailable(type(exc).__name__) from None
