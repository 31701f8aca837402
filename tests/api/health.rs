use crate::{helpers::Backend, on_both_backends};

on_both_backends!(probes_report_alive_and_ready, |app| {
    let alive = app.get_json("/healthz", 200).await;
    assert_eq!(alive["status"], "ok");
    let ready = app.get_json("/readyz", 200).await;
    let expected = match app.backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgresql",
    };
    assert_eq!(ready["database"], expected);
});

on_both_backends!(unknown_routes_are_problem_json_404s, |app| {
    let response = app.get("/v2/nothing-here").await;
    assert_eq!(response.status().as_u16(), 404);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["type"], "/problems/not-found");
    assert_eq!(body["status"], 404);
});

#[actix_web::test]
async fn readiness_answers_503_problem_when_postgres_goes_away() {
    let Some(app) = crate::helpers::spawn_app(Backend::Postgres).await else {
        return;
    };
    assert_eq!(app.get("/readyz").await.status().as_u16(), 200);
    // Dropping the database cuts every pooled connection and makes reconnecting fail.
    let crate::helpers::TestDatabase::Postgres {
        admin_url, name, ..
    } = &app.database
    else {
        unreachable!()
    };
    let mut admin = <diesel::PgConnection as diesel::Connection>::establish(admin_url)
        .expect("admin connection");
    diesel::RunQueryDsl::execute(
        diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)")),
        &mut admin,
    )
    .expect("drop the test database");
    let response = app.get("/readyz").await;
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["type"], "/problems/unavailable");
}

#[test]
fn connecting_to_a_closed_port_is_a_clear_unavailable_error() {
    let url: byline::config::DatabaseUrl =
        "postgres://postgres@127.0.0.1:1/none".parse().expect("url");
    let err = byline::db::Db::connect(&url, 1)
        .err()
        .expect("connecting to a closed port fails");
    assert_eq!(err.kind, byline::error::ErrorKind::Unavailable);
    assert!(
        err.detail.starts_with("cannot connect to postgres://"),
        "{}",
        err.detail
    );
    assert!(!err.detail.contains('\n'), "one line: {}", err.detail);
}
