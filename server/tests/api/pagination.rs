//! Lists page with `limit` and `iterator`: forwards through every item exactly once,
//! newest first; `prevIterator` walks back to the very page before; `order=ascending`
//! gives creation order; bad `limit`, `iterator` or `order` is a 422 naming it.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, assert_invalid, expect_status, field_of_each};

fn ids(list: &Value) -> Vec<String> {
    field_of_each(list, "id")
}

fn len(list: &Value) -> usize {
    list["data"].as_array().expect("data").len()
}

async fn page(app: &TestApp, key: &str, path: &str) -> Value {
    expect_status(app.get(path, Some(key)).await, StatusCode::OK).await
}

/// Creates `app-1` … `app-n` in that order; returns their ids.
async fn create_apps(app: &TestApp, key: &str, n: usize) -> Vec<String> {
    let mut created = Vec::new();
    for i in 1..=n {
        let body = expect_status(
            app.post_json(
                "/api/v1/app",
                Some(key),
                &json!({"name": format!("app-{i}")}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        created.push(body["id"].as_str().unwrap().to_string());
    }
    created
}

/// Follows `iterator` from `first` (a path with a query) until `done`; returns the pages.
async fn walk(app: &TestApp, key: &str, first: &str) -> Vec<Value> {
    let mut pages: Vec<Value> = Vec::new();
    let mut path = first.to_string();
    loop {
        let p = page(app, key, &path).await;
        let done = p["done"].as_bool().expect("done is a bool");
        let next = p["iterator"].as_str().map(str::to_string);
        pages.push(p);
        if done {
            return pages;
        }
        assert!(pages.len() < 20, "the walk never ends");
        let next = next.expect("a page that is not the last has an iterator");
        path = format!("{first}&iterator={next}");
    }
}

both_backends!(
    pages_walk_forwards_and_back_newest_first,
    |app: TestApp| async move {
        let (_, key) = app.signup("pages@example.com").await;
        let created = create_apps(&app, &key, 7).await;
        let newest_first: Vec<String> = created.iter().rev().cloned().collect();

        let pages = walk(&app, &key, "/api/v1/app?limit=3").await;
        let sizes: Vec<usize> = pages.iter().map(len).collect();
        assert_eq!(sizes, [3, 3, 1]);
        let dones: Vec<bool> = pages
            .iter()
            .map(|p| p["done"].as_bool() == Some(true))
            .collect();
        assert_eq!(dones, [false, false, true], "done only on the last page");
        let walked: Vec<String> = pages.iter().flat_map(ids).collect();
        assert_eq!(walked, newest_first, "every app exactly once, newest first");
        assert_eq!(
            field_of_each(&pages[0], "name"),
            ["app-7", "app-6", "app-5"]
        );
        for p in &pages {
            let last = ids(p).last().cloned().unwrap();
            assert_eq!(p["iterator"], json!(last), "iterator is the page's last id");
            let first = ids(p)[0].clone();
            assert_eq!(p["prevIterator"], json!(format!("-{first}")));
        }

        // prevIterator of the second page gives exactly the first page, and of the third
        // exactly the second.
        for (from, expected) in [(1, 0), (2, 1)] {
            let prev = pages[from]["prevIterator"].as_str().unwrap().to_string();
            let back = page(&app, &key, &format!("/api/v1/app?limit=3&iterator={prev}")).await;
            assert_eq!(ids(&back), ids(&pages[expected]), "back from page {from}");
        }
        // Back from the first page: nothing newer.
        let prev = pages[0]["prevIterator"].as_str().unwrap().to_string();
        let before_first = page(&app, &key, &format!("/api/v1/app?limit=3&iterator={prev}")).await;
        assert_eq!(len(&before_first), 0, "{before_first}");
        assert_eq!(before_first["done"], true);

        // Past the last page: nothing older.
        let last = pages[2]["iterator"].as_str().unwrap().to_string();
        let past = page(&app, &key, &format!("/api/v1/app?limit=3&iterator={last}")).await;
        assert_eq!(len(&past), 0, "{past}");
        assert_eq!(past["done"], true);

        // Without a limit: all of them on one page (the default is 50).
        let all = page(&app, &key, "/api/v1/app").await;
        assert_eq!(ids(&all), newest_first);
        assert_eq!(all["done"], true);
        // An empty iterator is the first page.
        let first = page(&app, &key, "/api/v1/app?limit=3&iterator=").await;
        assert_eq!(ids(&first), ids(&pages[0]));
    }
);

both_backends!(
    ascending_order_is_creation_order,
    |app: TestApp| async move {
        let (_, key) = app.signup("ascending@example.com").await;
        let created = create_apps(&app, &key, 7).await;

        let all = page(&app, &key, "/api/v1/app?order=ascending").await;
        assert_eq!(ids(&all), created);
        let desc = page(&app, &key, "/api/v1/app?order=descending").await;
        let newest_first: Vec<String> = created.iter().rev().cloned().collect();
        assert_eq!(ids(&desc), newest_first);

        let pages = walk(&app, &key, "/api/v1/app?order=ascending&limit=3").await;
        let chunks: Vec<Vec<String>> = pages.iter().map(ids).collect();
        assert_eq!(
            chunks,
            [
                created[0..3].to_vec(),
                created[3..6].to_vec(),
                created[6..7].to_vec()
            ]
        );
        let dones: Vec<bool> = pages
            .iter()
            .map(|p| p["done"].as_bool() == Some(true))
            .collect();
        assert_eq!(dones, [false, false, true]);

        // Walking back in ascending order too.
        let prev = pages[1]["prevIterator"].as_str().unwrap().to_string();
        let back = page(
            &app,
            &key,
            &format!("/api/v1/app?order=ascending&limit=3&iterator={prev}"),
        )
        .await;
        assert_eq!(ids(&back), created[0..3].to_vec());
    }
);

both_backends!(bad_paging_parameters_are_422s, |app: TestApp| async move {
    let (_, key) = app.signup("bad-pages@example.com").await;
    let created = create_apps(&app, &key, 2).await;

    for bad in ["0", "251", "x", "-1", "", "3.5", "99999999999999999999"] {
        assert_invalid(
            app.get(&format!("/api/v1/app?limit={bad}"), Some(&key))
                .await,
            "limit",
        )
        .await;
    }
    // The bounds themselves are fine.
    let one = page(&app, &key, "/api/v1/app?limit=1").await;
    assert_eq!(ids(&one), [created[1].clone()]);
    assert_eq!(one["done"], false);
    let most = page(&app, &key, "/api/v1/app?limit=250").await;
    assert_eq!(len(&most), 2);
    assert_eq!(most["done"], true);

    // Iterators are ids, optionally after one `-`: anything else names no position.
    let too_long = "x".repeat(65);
    for bad in [
        "not!an.id",
        "a%20b",
        "-",
        "--x",
        "app_01ARZ3NDEKTSV4RRFFQ69G5FA.",
        too_long.as_str(),
    ] {
        assert_invalid(
            app.get(&format!("/api/v1/app?iterator={bad}"), Some(&key))
                .await,
            "iterator",
        )
        .await;
    }

    for bad in ["sideways", "ASC", "1"] {
        assert_invalid(
            app.get(&format!("/api/v1/app?order={bad}"), Some(&key))
                .await,
            "order",
        )
        .await;
    }
});

both_backends!(
    endpoints_messages_and_event_types_page_the_same_way,
    |app: TestApp| async move {
        let (_, key) = app.signup("other-lists@example.com").await;
        expect_status(
            app.post_json(
                "/api/v1/app",
                Some(&key),
                &json!({"name": "Shop", "uid": "shop"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let mut endpoints = Vec::new();
        let mut messages = Vec::new();
        let mut event_types = Vec::new();
        for i in 1..=5 {
            let ep = expect_status(
                app.post_json(
                    "/api/v1/app/shop/endpoint",
                    Some(&key),
                    &json!({"url": format!("https://example.com/{i}")}),
                )
                .await,
                StatusCode::CREATED,
            )
            .await;
            endpoints.push(ep["id"].as_str().unwrap().to_string());
            let msg = expect_status(
                app.post_json(
                    "/api/v1/app/shop/msg",
                    Some(&key),
                    &json!({"eventType": "a.b", "payload": {"i": i}}),
                )
                .await,
                StatusCode::ACCEPTED,
            )
            .await;
            messages.push(msg["id"].as_str().unwrap().to_string());
            let et = expect_status(
                app.post_json(
                    "/api/v1/event-type",
                    Some(&key),
                    &json!({"name": format!("type.{i}"), "description": "x"}),
                )
                .await,
                StatusCode::CREATED,
            )
            .await;
            event_types.push(et["id"].as_str().unwrap().to_string());
        }

        for (path, created) in [
            ("/api/v1/app/shop/endpoint?limit=2", endpoints),
            ("/api/v1/app/shop/msg?limit=2", messages),
            ("/api/v1/event-type?limit=2", event_types),
        ] {
            let pages = walk(&app, &key, path).await;
            let sizes: Vec<usize> = pages.iter().map(len).collect();
            assert_eq!(sizes, [2, 2, 1], "{path}");
            let walked: Vec<String> = pages.iter().flat_map(ids).collect();
            let newest_first: Vec<String> = created.iter().rev().cloned().collect();
            assert_eq!(walked, newest_first, "{path}");
            let prev = pages[1]["prevIterator"].as_str().unwrap().to_string();
            let back = page(&app, &key, &format!("{path}&iterator={prev}")).await;
            assert_eq!(ids(&back), ids(&pages[0]), "{path}: back from page 2");
        }
    }
);
