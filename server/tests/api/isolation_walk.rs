//! Tenant B, calling every application, endpoint, message, attempt and event-type route
//! with tenant A's ids and uids, gets a 404 from each and changes nothing of A's.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, expect_status, field_of_each, id_of};

const A_APP_UID: &str = "a-app";
const A_APP_NAME: &str = "A private app";
const A_EP_UID: &str = "a-ep";
const A_URL: &str = "https://a.example.com/hook";
const A_EVENT_ID: &str = "a-evt-1";
const A_EVENT_TYPE: &str = "a.secret";
const A_ET_DESCRIPTION: &str = "A private event";
const UNKNOWN_ATTEMPT: &str = "atmpt_01ARZ3NDEKTSV4RRFFQ69G5FAV";
const GIVEN_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// What tenant A made.
struct Owned {
    app_id: String,
    ep_id: String,
    msg_id: String,
    secret: String,
}

async fn tenant_a_setup(app: &TestApp, key: &str) -> Owned {
    let a_app = expect_status(
        app.post_json(
            "/api/v1/app",
            Some(key),
            &json!({"name": A_APP_NAME, "uid": A_APP_UID}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let ep = expect_status(
        app.post_json(
            &format!("/api/v1/app/{A_APP_UID}/endpoint"),
            Some(key),
            &json!({
                "url": A_URL,
                "uid": A_EP_UID,
                "description": "A's endpoint",
                "headers": {"x-a-token": "a-only"}
            }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    expect_status(
        app.post_json(
            "/api/v1/event-type",
            Some(key),
            &json!({"name": A_EVENT_TYPE, "description": A_ET_DESCRIPTION}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let msg = expect_status(
        app.post_json(
            &format!("/api/v1/app/{A_APP_UID}/msg"),
            Some(key),
            &json!({"eventType": A_EVENT_TYPE, "eventId": A_EVENT_ID, "payload": {"secret": "a"}}),
        )
        .await,
        StatusCode::ACCEPTED,
    )
    .await;
    let ep_id = id_of(&ep);
    let secret = expect_status(
        app.get(
            &format!("/api/v1/app/{A_APP_UID}/endpoint/{ep_id}/secret"),
            Some(key),
        )
        .await,
        StatusCode::OK,
    )
    .await["key"]
        .as_str()
        .unwrap()
        .to_string();
    Owned {
        app_id: id_of(&a_app),
        ep_id,
        msg_id: id_of(&msg),
        secret,
    }
}

/// Tenant B's requests; every one must be a 404 `not_found`. Collects the ones that are
/// not, so a failure lists every route that let B through.
struct Walk<'a> {
    app: &'a TestApp,
    key: &'a str,
    calls: usize,
    leaks: Vec<String>,
}

impl Walk<'_> {
    async fn expect_404(&mut self, method: Method, path: &str, body: Option<Value>) {
        let mut req = self
            .app
            .client
            .request(method.clone(), self.app.url(path))
            .bearer_auth(self.key);
        if let Some(body) = &body {
            req = req.json(body);
        }
        let res = req.send().await.unwrap();
        self.calls += 1;
        let status = res.status();
        let text = res.text().await.unwrap();
        let code = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["code"].as_str().map(str::to_string));
        if status != StatusCode::NOT_FOUND || code.as_deref() != Some("not_found") {
            self.leaks
                .push(format!("{method} {path} -> {status} {text}"));
        }
    }

    /// Every route under one endpoint. `put`: also PUT it (skipped where a PUT by uid
    /// would rightly create B's own endpoint).
    async fn endpoint_routes(&mut self, app_ref: &str, ep_ref: &str, put: bool) {
        let ep = format!("/api/v1/app/{app_ref}/endpoint/{ep_ref}");
        self.expect_404(Method::GET, &ep, None).await;
        if put {
            self.expect_404(
                Method::PUT,
                &ep,
                Some(json!({"url": "https://b.example.com/evil"})),
            )
            .await;
        }
        self.expect_404(
            Method::PATCH,
            &ep,
            Some(json!({"url": "https://b.example.com/evil", "disabled": true})),
        )
        .await;
        self.expect_404(Method::GET, &format!("{ep}/secret"), None)
            .await;
        self.expect_404(
            Method::POST,
            &format!("{ep}/secret/rotate"),
            Some(json!({})),
        )
        .await;
        self.expect_404(
            Method::POST,
            &format!("{ep}/secret/rotate"),
            Some(json!({"key": GIVEN_SECRET, "gracePeriodSeconds": 0})),
        )
        .await;
        self.expect_404(Method::GET, &format!("{ep}/headers"), None)
            .await;
        self.expect_404(
            Method::PUT,
            &format!("{ep}/headers"),
            Some(json!({"headers": {"x-evil": "1"}})),
        )
        .await;
        self.expect_404(
            Method::PATCH,
            &format!("{ep}/headers"),
            Some(json!({"headers": {"x-evil": "1"}, "deleteHeaders": ["x-a-token"]})),
        )
        .await;
        self.expect_404(Method::GET, &format!("{ep}/stats"), None)
            .await;
        self.expect_404(
            Method::POST,
            &format!("{ep}/recover"),
            Some(json!({"since": "2020-01-01T00:00:00Z"})),
        )
        .await;
        self.expect_404(
            Method::POST,
            &format!("{ep}/send-example"),
            Some(json!({"eventType": A_EVENT_TYPE})),
        )
        .await;
        self.expect_404(
            Method::GET,
            &format!("/api/v1/app/{app_ref}/attempt/endpoint/{ep_ref}"),
            None,
        )
        .await;
        // Last: DELETE.
        self.expect_404(Method::DELETE, &ep, None).await;
    }

    /// Every route under one message, resending it to each of `ep_refs`.
    async fn message_routes(&mut self, app_ref: &str, msg_ref: &str, ep_refs: &[&str]) {
        let msg = format!("/api/v1/app/{app_ref}/msg/{msg_ref}");
        self.expect_404(Method::GET, &msg, None).await;
        self.expect_404(Method::GET, &format!("{msg}?with_content=false"), None)
            .await;
        self.expect_404(
            Method::GET,
            &format!("/api/v1/app/{app_ref}/attempt/msg/{msg_ref}"),
            None,
        )
        .await;
        self.expect_404(
            Method::GET,
            &format!("{msg}/attempt/{UNKNOWN_ATTEMPT}"),
            None,
        )
        .await;
        for ep_ref in ep_refs {
            self.expect_404(
                Method::POST,
                &format!("{msg}/endpoint/{ep_ref}/resend"),
                Some(json!({})),
            )
            .await;
        }
    }
}

both_backends!(
    another_tenant_reaches_nothing_by_id_or_uid,
    |app: TestApp| async move {
        let (_, key_a) = app.signup("walk-a@example.com").await;
        let (_, key_b) = app.signup("walk-b@example.com").await;
        let owned = tenant_a_setup(&app, &key_a).await;

        // B's own application, endpoint and message, to mix with A's ids.
        expect_status(
            app.post_json(
                "/api/v1/app",
                Some(&key_b),
                &json!({"name": "B app", "uid": "b-app"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        expect_status(
            app.post_json(
                "/api/v1/app/b-app/endpoint",
                Some(&key_b),
                &json!({"url": "https://b.example.com/hook", "uid": "b-ep"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        expect_status(
            app.post_json(
                "/api/v1/app/b-app/msg",
                Some(&key_b),
                &json!({"eventType": "b.event", "eventId": "b-evt", "payload": {}}),
            )
            .await,
            StatusCode::ACCEPTED,
        )
        .await;

        // B's listing holds B's application only.
        let list = expect_status(app.get("/api/v1/app", Some(&key_b)).await, StatusCode::OK).await;
        assert_eq!(field_of_each(&list, "uid"), ["b-app"]);
        assert!(!list.to_string().contains(&owned.app_id), "{list}");
        assert!(!list.to_string().contains(A_APP_NAME), "{list}");

        let app_refs = [owned.app_id.as_str(), A_APP_UID];
        let ep_refs = [owned.ep_id.as_str(), A_EP_UID];
        let msg_refs = [owned.msg_id.as_str(), A_EVENT_ID];
        let mut walk = Walk {
            app: &app,
            key: &key_b,
            calls: 0,
            leaks: Vec::new(),
        };

        // A's application, by id and by uid, and everything under it.
        for app_ref in app_refs {
            let base = format!("/api/v1/app/{app_ref}");
            walk.expect_404(Method::GET, &base, None).await;
            walk.expect_404(Method::PATCH, &base, Some(json!({"name": "hijacked"})))
                .await;
            walk.expect_404(Method::GET, &format!("{base}/endpoint"), None)
                .await;
            walk.expect_404(
                Method::POST,
                &format!("{base}/endpoint"),
                Some(json!({"url": "https://b.example.com/evil"})),
            )
            .await;
            walk.expect_404(Method::GET, &format!("{base}/msg"), None)
                .await;
            walk.expect_404(
                Method::POST,
                &format!("{base}/msg"),
                Some(json!({"eventType": A_EVENT_TYPE, "payload": {"from": "b"}})),
            )
            .await;
            for ep_ref in ep_refs {
                walk.endpoint_routes(app_ref, ep_ref, true).await;
            }
            for msg_ref in msg_refs {
                walk.message_routes(app_ref, msg_ref, &ep_refs).await;
            }
            walk.expect_404(Method::DELETE, &base, None).await;
        }
        // PUT by A's id must not reveal (409) or touch A's application. (By A's uid it
        // creates B's own: see the end.)
        walk.expect_404(
            Method::PUT,
            &format!("/api/v1/app/{}", owned.app_id),
            Some(json!({"name": "hijacked"})),
        )
        .await;

        // A's endpoint and message ids under B's own application.
        for ep_ref in ep_refs {
            // A PUT by uid would rightly create B's own endpoint "a-ep": by id only.
            let put = ep_ref == owned.ep_id;
            walk.endpoint_routes("b-app", ep_ref, put).await;
            walk.expect_404(
                Method::POST,
                &format!("/api/v1/app/b-app/msg/b-evt/endpoint/{ep_ref}/resend"),
                Some(json!({})),
            )
            .await;
            walk.expect_404(
                Method::GET,
                &format!("/api/v1/app/b-app/attempt/msg/b-evt?endpoint_id={ep_ref}"),
                None,
            )
            .await;
        }
        for msg_ref in msg_refs {
            walk.message_routes("b-app", msg_ref, &["b-ep"]).await;
        }

        // A's event type by name.
        let et = format!("/api/v1/event-type/{A_EVENT_TYPE}");
        walk.expect_404(Method::GET, &et, None).await;
        walk.expect_404(
            Method::PATCH,
            &et,
            Some(json!({"description": "hijacked", "archived": true})),
        )
        .await;
        walk.expect_404(Method::DELETE, &et, None).await;
        walk.expect_404(Method::DELETE, &format!("{et}?expunge=true"), None)
            .await;

        assert!(walk.calls > 100, "the walk made {} calls", walk.calls);
        assert!(
            walk.leaks.is_empty(),
            "tenant B got something other than a 404 from {} of {} calls:\n{}",
            walk.leaks.len(),
            walk.calls,
            walk.leaks.join("\n")
        );

        // Event type names are per tenant: B's PUT with A's name makes B's own.
        let theirs = expect_status(
            app.put_json(&et, Some(&key_b), &json!({"description": "B's own"}))
                .await,
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(theirs["description"], "B's own");
        let list = expect_status(
            app.get("/api/v1/event-type?include_archived=true", Some(&key_b))
                .await,
            StatusCode::OK,
        )
        .await;
        assert!(!list.to_string().contains(A_ET_DESCRIPTION), "{list}");
        assert_eq!(field_of_each(&list, "description"), ["B's own"]);

        // So are application uids: B's PUT with A's uid makes B's own application.
        let theirs = expect_status(
            app.put_json(
                &format!("/api/v1/app/{A_APP_UID}"),
                Some(&key_b),
                &json!({"name": "B namesake"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        assert_ne!(theirs["id"], json!(owned.app_id));
        let list = expect_status(app.get("/api/v1/app", Some(&key_b)).await, StatusCode::OK).await;
        assert_eq!(list["data"].as_array().unwrap().len(), 2);
        assert!(!list.to_string().contains(&owned.app_id), "{list}");
        assert!(!list.to_string().contains(A_APP_NAME), "{list}");
        let list = expect_status(
            app.get("/api/v1/app/b-app/msg", Some(&key_b)).await,
            StatusCode::OK,
        )
        .await;
        assert!(!list.to_string().contains(&owned.msg_id), "{list}");

        // A's objects are exactly as A left them.
        let a_app = expect_status(
            app.get(&format!("/api/v1/app/{}", owned.app_id), Some(&key_a))
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(a_app["name"], A_APP_NAME);
        assert_eq!(a_app["uid"], A_APP_UID);
        let by_uid = expect_status(
            app.get(&format!("/api/v1/app/{A_APP_UID}"), Some(&key_a))
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(by_uid["id"], json!(owned.app_id));
        let list = expect_status(app.get("/api/v1/app", Some(&key_a)).await, StatusCode::OK).await;
        assert_eq!(
            field_of_each(&list, "id"),
            std::slice::from_ref(&owned.app_id)
        );

        let a_base = format!("/api/v1/app/{A_APP_UID}");
        let ep = expect_status(
            app.get(&format!("{a_base}/endpoint/{A_EP_UID}"), Some(&key_a))
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(ep["id"], json!(owned.ep_id));
        assert_eq!(ep["url"], A_URL);
        assert_eq!(ep["disabled"], false);
        assert_eq!(ep["description"], "A's endpoint");
        let list = expect_status(
            app.get(&format!("{a_base}/endpoint"), Some(&key_a)).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            field_of_each(&list, "id"),
            std::slice::from_ref(&owned.ep_id)
        );
        let secret = expect_status(
            app.get(
                &format!("{a_base}/endpoint/{A_EP_UID}/secret"),
                Some(&key_a),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            secret["key"],
            json!(owned.secret),
            "A's secret was not rotated"
        );
        let headers = expect_status(
            app.get(
                &format!("{a_base}/endpoint/{A_EP_UID}/headers"),
                Some(&key_a),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(headers["headers"], json!({"x-a-token": "a-only"}));
        let stats = expect_status(
            app.get(&format!("{a_base}/endpoint/{A_EP_UID}/stats"), Some(&key_a))
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            stats["pending"].as_u64(),
            Some(1),
            "only A's own message was queued: {stats}"
        );

        let list = expect_status(
            app.get(&format!("{a_base}/msg"), Some(&key_a)).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            field_of_each(&list, "id"),
            std::slice::from_ref(&owned.msg_id)
        );
        let msg = expect_status(
            app.get(&format!("{a_base}/msg/{A_EVENT_ID}"), Some(&key_a))
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(msg["payload"], json!({"secret": "a"}));

        let a_et = expect_status(app.get(&et, Some(&key_a)).await, StatusCode::OK).await;
        assert_eq!(a_et["description"], A_ET_DESCRIPTION);
        assert_eq!(a_et["archived"], false);
        let list = expect_status(
            app.get("/api/v1/event-type?include_archived=true", Some(&key_a))
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(field_of_each(&list, "description"), [A_ET_DESCRIPTION]);
    }
);
