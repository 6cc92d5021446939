"""The upload store on a real Redis: a file kept between its dry run and its
run, for its own account only, for 30 minutes, and no larger than ingest takes."""

from __future__ import annotations

import time

import pytest
import redis

from web.adapters.upload_store import PREFIX, TTL_S, RedisUploadStore, UploadTooLarge

OWNER = "00000000-0000-4000-8000-000000000007"
OTHER = "00000000-0000-4000-8000-000000000008"


@pytest.fixture
def store(redis_client: redis.Redis) -> RedisUploadStore:
    return RedisUploadStore(redis_client, max_bytes=1024)


def test_an_upload_is_kept_for_its_account_for_thirty_minutes(
    store: RedisUploadStore, redis_client: redis.Redis
) -> None:
    content = "id,navn,kommunekode\nG20580,Æblehaven,751\n".encode()
    token = store.put(OWNER, "enheder.csv", "register", content)
    assert store.take(OWNER, token) == ("enheder.csv", "register", content)
    # Taking leaves it, so a run ingest could not take can be tried again.
    assert store.take(OWNER, token) == ("enheder.csv", "register", content)
    assert 0 < redis_client.ttl(PREFIX + token) <= TTL_S
    assert content not in b"".join(redis_client.keys("*"))  # the key names nothing of it


def test_another_account_or_a_made_up_id_finds_nothing(store: RedisUploadStore) -> None:
    token = store.put(OWNER, "tal.csv", None, b"kommunekode;aar\n")
    assert store.take(OTHER, token) is None
    store.drop(OTHER, token)  # another account cannot end it either
    assert store.take(OWNER, token) == ("tal.csv", None, b"kommunekode;aar\n")
    assert store.take(OWNER, "x" * 43) is None
    assert store.take(OWNER, "../../" + token) is None
    assert store.take(OWNER, "") is None


def test_a_run_upload_is_dropped_and_an_expired_one_is_gone(
    store: RedisUploadStore, redis_client: redis.Redis
) -> None:
    token = store.put(OWNER, "a.csv", None, b"a")
    store.drop(OWNER, token)
    assert store.take(OWNER, token) is None
    assert redis_client.exists(PREFIX + token) == 0
    short = RedisUploadStore(redis_client, ttl_s=1)
    expiring = short.put(OWNER, "b.csv", None, b"b")
    redis_client.pexpire(PREFIX + expiring, 1)
    time.sleep(0.05)
    assert short.take(OWNER, expiring) is None


def test_a_file_larger_than_ingest_takes_is_not_kept(
    store: RedisUploadStore, redis_client: redis.Redis
) -> None:
    with pytest.raises(UploadTooLarge) as refused:
        store.put(OWNER, "stor.csv", None, b"x" * 1025)
    assert refused.value.limit_bytes == 1024
    assert redis_client.keys(PREFIX + "*") == []
    assert store.take(OWNER, store.put(OWNER, "lige.csv", None, b"x" * 1024)) is not None


def test_from_url_reaches_the_same_redis(redis_url: str, redis_client: redis.Redis) -> None:
    store = RedisUploadStore.from_url(redis_url)
    try:
        token = store.put(OWNER, "c.csv", "BOERN8", b"c")
        assert redis_client.exists(PREFIX + token) == 1
        assert store.max_bytes == 50 * 1024 * 1024
    finally:
        store.close()
