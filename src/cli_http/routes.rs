//! The HTTP routes: `/healthz` and `/readyz` (open, for an orchestrator's probes), `/metrics`,
//! `/servers` and `POST /servers/{name}/restart` (behind the bearer token when there is one).
//! Every error is JSON: `{"error": "..."}`.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, HttpServer};
use scserver::{ChildInfo, Phase, ServerSupervisor, Status};
use serde_json::json;

use super::metrics::{is_up, Metrics};

/// What every request handler shares.
pub struct App {
    supervisor: ServerSupervisor,
    metrics: Arc<Metrics>,
    token: Option<String>,
    /// Configured servers the supervisor has not shown yet: readiness names them too.
    unseen: Mutex<BTreeSet<String>>,
}

impl App {
    pub fn new(
        supervisor: &ServerSupervisor,
        metrics: Arc<Metrics>,
        token: Option<String>,
        configured: BTreeSet<String>,
    ) -> App {
        App {
            supervisor: supervisor.clone(),
            metrics,
            token,
            unseen: Mutex::new(configured),
        }
    }

    /// `None` when the request may go on; else the 401 to answer.
    fn refuse(&self, request: &HttpRequest) -> Option<HttpResponse> {
        let expected = self.token.as_deref()?;
        let given = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        match given {
            Some(given) if same(given.trim().as_bytes(), expected.as_bytes()) => None,
            Some(_) => Some(unauthorized("the bearer token is wrong")),
            None => Some(unauthorized(
                "this endpoint needs an `Authorization: Bearer <token>` header",
            )),
        }
    }
}

/// Compares in time independent of where the first difference is.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn error(status: StatusCode, message: impl Into<String>) -> HttpResponse {
    HttpResponse::build(status).json(json!({ "error": message.into() }))
}

fn unauthorized(message: &str) -> HttpResponse {
    let mut response = error(StatusCode::UNAUTHORIZED, message);
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    response
}

/// Binds `listen` and builds the server (one worker: a handful of requests a second at most).
pub fn serve(listen: SocketAddr, app: App) -> std::io::Result<actix_web::dev::Server> {
    let app = web::Data::new(app);
    let server = HttpServer::new(move || {
        actix_web::App::new()
            .app_data(app.clone())
            .service(get("/healthz", healthz))
            .service(get("/readyz", readyz))
            .service(get("/metrics", metrics))
            .service(get("/servers", servers))
            .service(
                web::resource("/servers/{name}/restart")
                    .route(web::post().to(restart))
                    .default_service(web::to(method_not_allowed)),
            )
            .default_service(web::to(not_found))
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(2)
    .bind(listen)?;
    Ok(server.run())
}

/// A GET-only resource; any other method is a 405.
fn get<F, Args>(path: &str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    web::resource(path)
        .route(web::get().to(handler))
        .default_service(web::to(method_not_allowed))
}

async fn not_found(request: HttpRequest) -> HttpResponse {
    error(
        StatusCode::NOT_FOUND,
        format!(
            "no such endpoint: {}; there are GET /healthz, /readyz, /metrics, /servers and \
             POST /servers/{{name}}/restart",
            request.path()
        ),
    )
}

async fn method_not_allowed(request: HttpRequest) -> HttpResponse {
    let allowed = if request.path().ends_with("/restart") {
        "POST"
    } else {
        "GET"
    };
    let mut response = error(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "{} is not allowed on {}; use {allowed}",
            request.method(),
            request.path()
        ),
    );
    response
        .headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static(allowed));
    response
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "alive" }))
}

/// Ready when there is at least one server and every one is running and online; else 503 with
/// the ones that are not, configured servers the supervisor does not know yet included.
async fn readyz(app: web::Data<App>) -> HttpResponse {
    let children = app.supervisor.children().await;
    let unseen: Vec<String> = {
        let mut unseen = app.unseen.lock().expect("unseen lock");
        unseen.retain(|name| children.iter().all(|c| &c.name != name));
        unseen.iter().cloned().collect()
    };
    let waiting: Vec<_> = unseen
        .iter()
        .map(|name| json!({ "name": name, "phase": phase(Phase::Starting), "state": "offline" }))
        .chain(children.iter().filter(|c| !is_up(c)).map(
            |c| json!({ "name": c.name, "phase": phase(c.phase), "state": c.state.status.name() }),
        ))
        .collect();
    if waiting.is_empty() && !children.is_empty() {
        return HttpResponse::Ok().json(json!({ "ready": true, "servers": children.len() }));
    }
    let names: Vec<&str> = waiting.iter().filter_map(|w| w["name"].as_str()).collect();
    HttpResponse::ServiceUnavailable().json(json!({
        "ready": false,
        "not_ready": waiting,
        "error": if names.is_empty() {
            "no servers".to_owned()
        } else {
            format!("not online: {}", names.join(", "))
        },
    }))
}

async fn metrics(app: web::Data<App>, request: HttpRequest) -> HttpResponse {
    if let Some(refused) = app.refuse(&request) {
        return refused;
    }
    let children = app.supervisor.children().await;
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(app.metrics.encode(&children))
}

async fn servers(app: web::Data<App>, request: HttpRequest) -> HttpResponse {
    if let Some(refused) = app.refuse(&request) {
        return refused;
    }
    let children = app.supervisor.children().await;
    let list: Vec<_> = children.iter().map(|c| describe(&app.metrics, c)).collect();
    HttpResponse::Ok().json(list)
}

fn phase(phase: Phase) -> &'static str {
    match phase {
        Phase::Starting => "starting",
        Phase::Running => "running",
        Phase::Restarting => "restarting",
        Phase::Stopped => "stopped",
        Phase::GaveUp => "gave up",
        _ => "unknown",
    }
}

/// One server as `/servers` shows it.
fn describe(metrics: &Metrics, c: &ChildInfo) -> serde_json::Value {
    let facts = metrics.facts(&c.name);
    let s = &c.state;
    let info = s.status_info.as_ref().filter(|_| is_up(c));
    let uptime = facts
        .online_since
        .filter(|_| is_up(c))
        .and_then(|t| t.elapsed().ok());
    let levels: Vec<_> = facts
        .levels
        .iter()
        .map(|l| json!({ "peak": l.peak, "rms": l.rms }))
        .collect();
    json!({
        "name": c.name,
        "port": s.options.port,
        "phase": phase(c.phase),
        "state": s.status.name(),
        "up": is_up(c),
        "pid": s.pid,
        "jack_pid": s.jack_pid,
        "standby_port": s.standby_port,
        "standby_pid": s.standby_pid,
        "promotions": s.promotions,
        "uptime_seconds": uptime.map(|d| d.as_secs_f64()),
        "restarts": c.restarts,
        "error": c.error.as_ref().map(ToString::to_string),
        "cpu_average": info.map(|i| i.average_cpu_usage),
        "cpu_peak": info.map(|i| i.peak_cpu_usage),
        "ugens": info.map(|i| i.ugen_count),
        "synths": info.map(|i| i.synth_count),
        "groups": info.map(|i| i.group_count),
        "synthdefs": info.map(|i| i.synthdef_count),
        "heartbeat_round_trip_seconds": facts.round_trip.map(|d| d.as_secs_f64()),
        "boot_seconds": facts.last_boot.map(|d| d.as_secs_f64()),
        "output_levels": levels,
    })
}

/// Boots a running server again, or starts one that was stopped or given up on; answers once it
/// is up (or its boot failed).
async fn restart(
    app: web::Data<App>,
    request: HttpRequest,
    name: web::Path<String>,
) -> HttpResponse {
    if let Some(refused) = app.refuse(&request) {
        return refused;
    }
    let name = name.into_inner();
    let children = app.supervisor.children().await;
    let Some(child) = children.iter().find(|c| c.name == name) else {
        let names: Vec<&str> = children.iter().map(|c| c.name.as_str()).collect();
        return error(
            StatusCode::NOT_FOUND,
            format!("no server named {name:?} (there are: {})", names.join(", ")),
        );
    };
    let booting = child.state.status != Status::Offline;
    let result = match child.phase {
        Phase::Starting => {
            return error(
                StatusCode::CONFLICT,
                format!("server {name:?} is booting; try again once it is up"),
            )
        }
        Phase::Restarting if booting => {
            return error(
                StatusCode::CONFLICT,
                format!("server {name:?} is being restarted; try again once it is up"),
            )
        }
        Phase::Running => app.supervisor.reboot(&name).await,
        _ => app.supervisor.restart(&name).await,
    };
    match result {
        Ok(()) => HttpResponse::Ok().json(json!({ "server": name, "restarted": true })),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}
