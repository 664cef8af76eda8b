//! `scserver run`'s HTTP service, on when the config has an `[http]` table: health, readiness,
//! Prometheus metrics, the servers as JSON and restarts by name, served by actix-web beside the
//! supervisor. Each server also gets output level meters once online, for `/servers` (and so
//! `scserver top`) to show.

pub mod metrics;
mod routes;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use scserver::{
    Config, HttpConfig, LifecycleEvent, LifecycleNotice, MeterSource, ServerSupervisor,
};

use metrics::Metrics;

/// The environment variable that gives the bearer token (it wins over the config's `token`).
pub const TOKEN_ENV: &str = "SCSERVER_HTTP_TOKEN";

/// Meter readings per second: enough for a live view, little traffic.
const METER_RATE: f64 = 10.0;

/// Why the HTTP service cannot start.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// A listener off loopback without a token would let anyone on the network restart servers.
    #[error(
        "[http] listen = \"{listen}\" is not a loopback address and no bearer token is set: set \
         `token` in [http] or the {TOKEN_ENV} environment variable, or listen on 127.0.0.1"
    )]
    TokenRequired {
        /// The configured address.
        listen: SocketAddr,
    },
    /// The address could not be bound.
    #[error("cannot serve HTTP on {listen}: {error}; choose a free address in [http] listen")]
    Bind {
        /// The configured address.
        listen: SocketAddr,
        /// What the OS said.
        error: std::io::Error,
    },
}

/// The token requests must carry: the environment's, else the config's; required off loopback.
pub fn token(config: &HttpConfig, env: Option<String>) -> Result<Option<String>, HttpError> {
    let token = env
        .filter(|t| !t.trim().is_empty())
        .or_else(|| config.token.clone());
    if token.is_none() && !config.listen.ip().is_loopback() {
        return Err(HttpError::TokenRequired {
            listen: config.listen,
        });
    }
    Ok(token)
}

/// The running service; [`Service::stop`] ends it.
pub struct Service {
    server: actix_web::dev::ServerHandle,
}

impl Service {
    /// When the config has `[http]`: hooks the metrics to `supervisor` (before any server is
    /// added, so every server's notices reach them) and starts listening.
    pub fn start(
        config: &Config,
        supervisor: &ServerSupervisor,
    ) -> Result<Option<Service>, HttpError> {
        let Some(http) = &config.http else {
            return Ok(None);
        };
        let token = token(http, std::env::var(TOKEN_ENV).ok())?;
        let metrics = Arc::new(Metrics::default());
        let (online, mut onlines) = tokio::sync::mpsc::unbounded_channel::<String>();
        let fed = metrics.clone();
        supervisor
            .on_lifecycle(Arc::new(move |n: &LifecycleNotice| {
                fed.lifecycle(n);
                if n.event == LifecycleEvent::Connected {
                    let _ = online.send(n.server.clone());
                }
            }))
            .detach();
        let fed = metrics.clone();
        supervisor.on_event(move |n| fed.supervision(n)).detach();
        let mut watcher = Watcher {
            supervisor: supervisor.clone(),
            metrics: metrics.clone(),
            watched: BTreeMap::new(),
            meters: BTreeMap::new(),
        };
        actix::spawn(async move {
            while let Some(name) = onlines.recv().await {
                watcher.online(name).await;
            }
        });
        let names = config.servers.iter().map(|s| s.name.clone()).collect();
        let app = routes::App::new(supervisor, metrics, token, names);
        let server = routes::serve(http.listen, app).map_err(|error| HttpError::Bind {
            listen: http.listen,
            error,
        })?;
        let handle = server.handle();
        actix::spawn(async move {
            if let Err(error) = server.await {
                tracing::error!(%error, "the HTTP service stopped");
            }
        });
        Ok(Some(Service { server: handle }))
    }

    /// Stops listening; requests under way finish first.
    pub async fn stop(self) {
        self.server.stop(true).await;
    }
}

/// Starts what a server needs once it is online: a watch of its state for the heartbeat round
/// trips and output meters, once per server actor.
struct Watcher {
    supervisor: ServerSupervisor,
    metrics: Arc<Metrics>,
    /// The state each watched server's task reads: a server removed and added again by a
    /// reload is a new actor with a new state, watched anew.
    watched: BTreeMap<String, Actor>,
    /// Each server's meters, for as long as its actor runs (a failed start is tried again at
    /// its next connection).
    meters: BTreeMap<String, (Actor, scserver::Meters)>,
}

/// A server actor, known by its state channel.
type Actor = tokio::sync::watch::Receiver<scserver_actors::server::ServerState>;

impl Watcher {
    /// A server is connected: the first time for its actor (a reload may replace it), start
    /// watching its state, and metering its outputs until that works; the meters go on by
    /// themselves in every new process of the server (restarts, promotions, resets).
    async fn online(&mut self, name: String) {
        let Some(server) = self.supervisor.server(&name) else {
            return;
        };
        let actor = server.watch();
        let same = |a: &Actor| a.same_channel(&actor);
        if !self.watched.get(&name).is_some_and(same) {
            self.watched.insert(name.clone(), actor.clone());
            let mut state = actor.clone();
            let (metrics, watched) = (self.metrics.clone(), name.clone());
            actix::spawn(async move {
                while state.changed().await.is_ok() {
                    let current = state.borrow_and_update().clone();
                    metrics.state(&watched, &current);
                }
            });
        }
        if self.meters.get(&name).is_some_and(|(a, _)| same(a)) {
            return;
        }
        let (metrics, metered) = (self.metrics.clone(), name.clone());
        let reading = move |r: scserver::MeterReading| {
            if r.source == MeterSource::Outputs {
                metrics.levels(&metered, r.levels);
            }
        };
        match server.meters(METER_RATE, reading).await {
            Ok(meters) => {
                self.meters.insert(name, (actor, meters));
            }
            Err(error) => tracing::warn!(server = %name, %error, "no level meters"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(listen: &str, token: Option<&str>) -> HttpConfig {
        HttpConfig {
            listen: listen.parse().unwrap(),
            token: token.map(str::to_owned),
        }
    }

    #[test]
    fn off_loopback_a_token_is_required() {
        assert!(matches!(
            token(&config("0.0.0.0:9100", None), None),
            Err(HttpError::TokenRequired { .. })
        ));
        assert!(matches!(
            token(&config("[::]:9100", None), Some(" ".into())),
            Err(HttpError::TokenRequired { .. })
        ));
        assert_eq!(token(&config("127.0.0.1:9100", None), None).unwrap(), None);
        assert_eq!(
            token(&config("[::1]:9100", Some("file")), None).unwrap(),
            Some("file".into())
        );
        assert_eq!(
            token(&config("0.0.0.0:9100", Some("file")), Some("env".into())).unwrap(),
            Some("env".into()),
            "the environment wins"
        );
    }
}
