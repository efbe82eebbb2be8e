//! The per-key rate limit, shared by two processes through Redis.

use reqwest::StatusCode;

use crate::redis_server::RedisServer;
use crate::support::PgDatabase;
use crate::two_processes::{Api, two_processes};

#[tokio::test]
async fn the_rate_limit_is_shared_through_redis() {
    let redis = RedisServer::start();
    let db = PgDatabase::create();
    let (one, two) = two_processes(&db, &redis, &[("HOOKRELAY_RATE_LIMIT", "5")]);
    let (a, b) = (Api::new(&one), Api::new(&two));
    let key = a.signup("limited@example.com").await;
    // Per process, 10 each would pass (a burst of twice 5); shared, at most 5 per
    // second, so at most 10 of 20 even across a second's boundary.
    let mut passed = 0;
    let mut limited = 0;
    for n in 0..20 {
        let api = if n % 2 == 0 { &a } else { &b };
        match api.call("GET", "/app", &key, None).await.0 {
            StatusCode::OK => passed += 1,
            StatusCode::TOO_MANY_REQUESTS => limited += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert!(
        passed <= 10 && limited >= 10,
        "passed {passed}, limited {limited}"
    );
}
