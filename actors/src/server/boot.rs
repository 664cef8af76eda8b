//! Boot (spawn, then connect) and Connect (attach to a server this client does not own).

use actix::prelude::*;
use scserver_core::command::{AddAction, Command};
use scserver_core::login::{login, Login, LoginRefused, NotifyAnswer};
use scserver_core::{LifecycleEvent, Options};

use super::{shutdown, ServerActor, Status};
use crate::allocator::Configure;
use crate::error::{BootError, RequestError, ServerError};
use crate::osc::OscActor;
use crate::process::{ProcessActor, Spawn, Spawned};
use crate::stale::{reclaim, Reclaim};

type Transition = ResponseActFuture<ServerActor, Result<(), ServerError>>;

fn done(result: Result<(), ServerError>) -> Transition {
    Box::pin(actix::fut::ready(result))
}

/// Boot an owned scsynth with these options (or the last ones) and connect to it.
///
/// Events: Booting, ProcessBooted, Connecting, OscConnected, Connected, Booted; on failure
/// Booting, ProcessPanicked.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), ServerError>")]
pub struct Boot(pub Option<Options>);

impl Handler<Boot> for ServerActor {
    type Result = Transition;

    fn handle(&mut self, msg: Boot, ctx: &mut Self::Context) -> Transition {
        self.boot(msg.0, ctx)
    }
}

/// Connect to a running server this client did not start.
///
/// Events: Connecting, OscConnected, Connected; refused: Connecting, Disconnecting, Disconnected.
#[derive(Debug, Message)]
#[rtype(result = "Result<(), ServerError>")]
pub struct Connect(pub Option<Options>);

impl Handler<Connect> for ServerActor {
    type Result = Transition;

    fn handle(&mut self, msg: Connect, ctx: &mut Self::Context) -> Transition {
        if let Err(e) = self.begin("connect", msg.0, false) {
            return done(Err(e));
        }
        self.connect(ctx, None)
    }
}

/// Makes the port free for a server of ours: a stale scsynth of ours on it is killed; anyone
/// else holding it is named in the error.
pub(crate) async fn take_port(options: &Options) -> Result<(), BootError> {
    let Options {
        port,
        ip_address: ip,
        protocol,
        quit_timeout: grace,
        ..
    } = *options;
    let (holder, owner) = match reclaim(port, ip, protocol, grace).await {
        Reclaim::Free | Reclaim::Reclaimed(_) => return Ok(()),
        Reclaim::Held(holder) => (holder.to_string(), None),
        Reclaim::InUse { pid, owner } => (format!("scsynth pid {pid}"), Some(owner.to_string())),
    };
    Err(BootError::PortInUse {
        port,
        output: vec![],
        holder: Some(holder),
        owner,
    })
}

/// The error a refused login reaches the user as.
fn refused(refusal: LoginRefused, options: &Options) -> ServerError {
    match refusal {
        LoginRefused::TooManyClients => ServerError::TooManyClients {
            address: format!("{}:{}", options.ip_address, options.port),
        },
        LoginRefused::Failed { message, args } => RequestError::Failed {
            command: "/notify".into(),
            message,
            args,
        }
        .into(),
        other => RequestError::BadReply {
            command: "/notify".into(),
            message: other.to_string(),
        }
        .into(),
    }
}

impl ServerActor {
    /// Checks the state and takes on the options; shared by boot and connect.
    fn begin(
        &mut self,
        action: &'static str,
        options: Option<Options>,
        owned: bool,
    ) -> Result<(), ServerError> {
        let status = self.status();
        if status != Status::Offline {
            return Err(ServerError::InvalidState {
                action,
                status: status.name(),
            });
        }
        let options = options.unwrap_or_else(|| self.options.clone());
        options.validate().map_err(BootError::from)?;
        self.revive();
        self.span = tracing::info_span!("server", server = %self.name, port = options.port);
        self.options = options.clone();
        self.set(|s| {
            s.options = options;
            s.owned = owned;
            s.status = Status::Booting;
        });
        Ok(())
    }

    pub(crate) fn boot(&mut self, options: Option<Options>, ctx: &mut Context<Self>) -> Transition {
        if let Err(e) = self.begin("boot", options, true) {
            return done(Err(e));
        }
        self.publish(LifecycleEvent::Booting, None);
        let process = ProcessActor::new(
            &self.name,
            self.options.clone(),
            ctx.address().recipient(),
            self.jack.take(),
        )
        .start();
        self.process = Some(process.clone());
        let options = self.options.clone();
        Box::pin(
            async move {
                take_port(&options).await?;
                Ok::<_, ServerError>(process.send(Spawn).await??)
            }
            .into_actor(self)
            .then(|spawned, act, ctx| match spawned {
                Ok(Spawned {
                    pid,
                    jack_pid,
                    jack_name,
                }) => {
                    act.jack_name = jack_name;
                    act.set(|s| {
                        s.pid = Some(pid);
                        s.jack_pid = jack_pid;
                    });
                    act.record_process(act.options.port, pid, false);
                    act.publish(LifecycleEvent::ProcessBooted, None);
                    act.connect(ctx, None)
                }
                Err(e) => act.boot_failed(e),
            }),
        )
    }

    /// Stops what boot started, then reports the failure: …, ProcessPanicked.
    fn boot_failed(&mut self, error: ServerError) -> Transition {
        let process = self.take_process();
        Box::pin(
            async move {
                if let Some((process, grace)) = process {
                    shutdown(process, grace, false).await;
                }
            }
            .into_actor(self)
            .map(move |_, act, _| {
                act.close_osc();
                act.forget_connection();
                act.publish(LifecycleEvent::ProcessPanicked, Some(error.to_string()));
                act.forget_process();
                Err(error)
            }),
        )
    }

    /// Opens the transport, then registers (see [`Self::register`]). Opening never blocks the
    /// actor: a TCP connect may take up to `request_timeout`. `adopt` is the client id to keep
    /// on a promoted standby, which already has the default groups.
    pub(crate) fn connect(&mut self, _: &mut Context<Self>, adopt: Option<i32>) -> Transition {
        self.publish(LifecycleEvent::Connecting, None);
        // A new connection: the node tree seen on the last one is not this server's.
        self.notifications.clear();
        let options = self.options.clone();
        let (protocol, server) = (options.protocol, self.server_addr());
        let opened = OscActor::open(
            self.name.clone(),
            options,
            self.conn.local_port,
            self.conn.router.clone().recipient(),
        );
        Box::pin(
            opened
                .into_actor(self)
                .then(move |opened, act, ctx| match opened {
                    Ok(osc) => act.register(osc, adopt),
                    Err(e) => {
                        let error = ServerError::Request(RequestError::Transport {
                            protocol: protocol.to_string(),
                            address: server.to_string(),
                            message: e.to_string(),
                        });
                        act.connect_failed(error, ctx)
                    }
                }),
        )
    }

    /// Registers with `/notify` on the opened transport, partitions ids, creates the default
    /// groups (owned servers) and waits for the first status reply. With `adopt` it asks for
    /// that client id and keeps the ids already handed out (a promoted standby).
    fn register(&mut self, osc: OscActor, adopt: Option<i32>) -> Transition {
        let local = osc.local_addr().ok();
        // The id this client had, if it speaks again from the address it was registered by.
        let known = self
            .conn
            .client_id
            .filter(|_| local.map(|l| l.port()) == Some(self.conn.local_port));
        if let Some(local) = local {
            self.conn.local_port = local.port();
        }
        self.conn.osc = Some(osc.start());
        self.set(|s| s.local_addr = local);
        let link = self.link().expect("socket just opened");
        let allocator = self.allocator.clone();
        let (options, owned) = (self.options.clone(), self.state.borrow().owned);
        // scsynth answers nothing for a second after a TCP password login (see `osc::tcp`).
        let first = match (options.protocol, &options.password) {
            (scserver_core::Protocol::Tcp, Some(_)) => {
                let mut first = link.clone();
                first.route.timeout += std::time::Duration::from_secs(1);
                first
            }
            _ => link.clone(),
        };
        let steps = async move {
            let notify = first
                .execute(Command::Notify {
                    enable: true,
                    client_id: adopt,
                })
                .await;
            let answer = match &notify {
                Ok(reply) => NotifyAnswer::Done(reply),
                Err(RequestError::Failed { message, args, .. }) => {
                    NotifyAnswer::Failed { message, args }
                }
                Err(e) => return Err(e.clone().into()),
            };
            let Login {
                client_id,
                max_logins,
            } = login(answer, options.protocol, options.maximum_logins, known)
                .map_err(|r| refused(r, &options))?;
            if let Some(kept) = adopt.filter(|kept| *kept != client_id) {
                return Err(RequestError::BadReply {
                    command: "/notify".into(),
                    message: format!("asked to keep client id {kept}, given {client_id}"),
                }
                .into());
            }
            if adopt.is_none() {
                allocator
                    .send(Configure {
                        client_id,
                        max_logins,
                        options: options.clone(),
                    })
                    .await??;
            }
            if owned && adopt.is_none() {
                // One permanent group per login, so every client finds its default group.
                link.send_commands([Command::GNew {
                    groups: (1..=max_logins as i32)
                        .map(|id| (id, AddAction::AddToTail, 0))
                        .collect(),
                }]);
                link.sync().await?;
            }
            link.execute(Command::Status).await?;
            Ok((client_id, max_logins))
        };
        Box::pin(
            steps
                .into_actor(self)
                .then(move |result, act, ctx| match result {
                    Ok((client_id, max_logins)) => {
                        act.conn.client_id = Some(client_id);
                        act.set(|s| {
                            s.client_id = Some(client_id);
                            s.max_logins = Some(max_logins);
                            s.status = Status::Online;
                        });
                        act.publish(LifecycleEvent::OscConnected, None);
                        act.publish(LifecycleEvent::Connected, None);
                        if owned && adopt.is_none() {
                            act.publish(LifecycleEvent::Booted, None);
                        }
                        act.start_heartbeat(ctx);
                        match adopt {
                            Some(_) => act.promoted(ctx),
                            None => act.keep_standby(ctx),
                        }
                        done(Ok(()))
                    }
                    Err(e) => act.connect_failed(e, ctx),
                }),
        )
    }

    /// A connect that failed after Connecting: Disconnecting, Disconnected (and for an owned
    /// server the process is stopped and the boot reported failed).
    fn connect_failed(&mut self, error: ServerError, _: &mut Context<Self>) -> Transition {
        self.publish(LifecycleEvent::Disconnecting, None);
        self.close_osc();
        self.publish(LifecycleEvent::Disconnected, None);
        if self.state.borrow().owned {
            return self.boot_failed(error);
        }
        self.forget_connection();
        done(Err(error))
    }
}
