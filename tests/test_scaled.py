"""The scaled setup's configuration: each Rasa process gets the Redis lock store and our tracker
store from deploy/endpoints-scaled.yml, with the values of deploy/scaled.env."""
from bot import scaled


def test_scaled_endpoints_give_a_redis_lock_store_and_our_tracker_store(tmp_path, monkeypatch):
    from rasa.core.lock_store import LockStore, RedisLockStore
    from rasa.core.tracker_store import TrackerStore
    from rasa.core.utils import read_endpoints_from_path

    from bot.tracker_store import WindowedSQLTrackerStore

    env = scaled.scaled_environment()
    for name in ("REDIS_HOST", "REDIS_PORT", "REDIS_DB"):
        monkeypatch.setenv(name, env[name])
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://127.0.0.1:9/webhook")
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'trackers.db'}")
    endpoints = read_endpoints_from_path(str(scaled.ENDPOINTS))
    lock_store = LockStore.create(endpoints.lock_store)
    assert isinstance(lock_store, RedisLockStore)
    assert lock_store.key_prefix.startswith("cotesoin")
    assert isinstance(TrackerStore.create(endpoints.tracker_store), WindowedSQLTrackerStore)


def test_the_scaled_environment_names_postgresql_for_both_stores_and_the_environment_wins(monkeypatch):
    monkeypatch.setenv("FRONT_PORT", "5905")
    env = scaled.scaled_environment()
    assert env["FRONT_PORT"] == "5905" and env["RASA_PROCESSES"] == "2"
    assert env["DATABASE_URL"].startswith("postgresql://") and env["TRACKER_STORE_URL"].startswith("postgresql://")


def test_one_server_line_per_process(tmp_path):
    config = scaled.haproxy_config(3, tmp_path).read_text()
    conversations = config.split("\nbackend conversations")[1].split("\nbackend widget")[0]
    assert [line.split()[1] for line in conversations.splitlines() if line.strip().startswith("server ")] == [
        "rasa1", "rasa2", "rasa3"]
    assert "weight 100" in conversations
    assert scaled.haproxy_config(2, tmp_path) == scaled.HAPROXY_CONFIG
