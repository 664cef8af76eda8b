//! Level meters, as sclang's and supriya's: a `SendPeakRMS` synth at the tail of the root group
//! per direction (hardware outputs, hardware inputs) sends the peak and RMS of each channel
//! `rate` times a second.

use std::sync::{Arc, Mutex};

use actix::Recipient;
use scserver_actors::ServerError;
use scserver_core::command::{AddAction, Command};
use scserver_core::levels::parse_peak_rms;
pub use scserver_core::levels::Level;
use scserver_core::Pattern;
use scserver_synthdef::ugens::{In, SendPeakRMS};
use scserver_synthdef::SynthDefBuilder;

use crate::{AsyncServer, IdKind, Server, Subscription};
use registry::{MeterRun, Running, Sink};

mod registry;

pub(crate) use registry::MeterRegistry;
pub use registry::{MeterReading, MeterSource};

/// The address meter replies come to.
const REPLY: &str = "/scserver_meters";

/// The meter SynthDef for `channels` channels.
fn meter_def(channels: u32) -> (String, Vec<u8>) {
    let name = format!("scserver_meter_{channels}");
    let b = SynthDefBuilder::new(&name);
    let (bus, rate) = (b.ir("bus", 0.0), b.ir("rate", 20.0));
    let (peak_lag, id) = (b.ir("peak_lag", 3.0), b.ir("id", 0.0));
    let source = In::ar(&b).bus(bus).channels(channels).finish();
    let name_chars: Vec<f64> = REPLY.bytes().map(f64::from).collect();
    SendPeakRMS::kr(&b)
        .source(source)
        .reply_rate(rate)
        .peak_lag(peak_lag)
        .reply_id(id)
        .character(name_chars)
        .finish();
    let def = b.build().expect("the meter graph is well formed");
    (name, def.compile())
}

/// Running meters (see [`AsyncServer::meters`]); `stop` ends them. They go on across restarts,
/// standby promotions and resets: the server gets new meter synths. From a [`Server`] its
/// `stop` blocks.
pub struct Meters<S = AsyncServer> {
    server: S,
    run: Arc<MeterRun>,
}

impl<S> std::fmt::Debug for Meters<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let running = self.run.running.lock().expect("meters lock");
        let nodes: Vec<i32> = running.parts.iter().map(|(node, _)| *node).collect();
        f.debug_struct("Meters").field("nodes", &nodes).finish()
    }
}

impl AsyncServer {
    /// Meters every hardware output and input channel `rate` times a second; each reading goes
    /// to `on_reading`, on the reply router's thread (it must not block). The meters go on
    /// after a restart, a promotion or a reset of the server.
    pub async fn meters(
        &self,
        rate: f64,
        on_reading: impl FnMut(MeterReading) + Send + 'static,
    ) -> Result<Meters, ServerError> {
        let run = Arc::new(MeterRun {
            rate,
            sink: Arc::new(Mutex::new(on_reading)),
            running: Mutex::new(Running {
                parts: Vec::new(),
                pid: self.pid(),
                stopped: false,
            }),
        });
        let mut meters = Meters {
            server: self.clone(),
            run: run.clone(),
        };
        match self.start_meters(rate, &run.sink).await {
            Ok(parts) => {
                run.running.lock().expect("meters lock").parts = parts;
                self.meter_registry().add(&run);
                Ok(meters)
            }
            Err(e) => {
                meters.stop().await;
                Err(e)
            }
        }
    }

    /// Meters as [`meters`](Self::meters), each reading sent to an actix recipient.
    pub async fn subscribe_meters(
        &self,
        rate: f64,
        recipient: Recipient<MeterReading>,
    ) -> Result<Meters, ServerError> {
        self.meters(rate, move |reading| recipient.do_send(reading))
            .await
    }

    /// Starts the meters that run in another process than the current one again (a restart,
    /// a promotion), or every meter (`all`: a reset freed their synths).
    pub(crate) async fn restart_meters(&self, all: bool) {
        let pid = self.pid();
        for run in self.meter_registry().live() {
            {
                let mut running = run.running.lock().expect("meters lock");
                if running.stopped || (!all && running.pid == pid) {
                    continue;
                }
                running.pid = pid;
                // Their synths are gone; dropping the callbacks ends them.
                running.parts.clear();
            }
            let parts = match self.start_meters(run.rate, &run.sink).await {
                Ok(parts) => parts,
                Err(error) => {
                    tracing::warn!(%error, "meters not started again");
                    continue;
                }
            };
            let stale = {
                let mut running = run.running.lock().expect("meters lock");
                match running.stopped || running.pid != pid {
                    true => parts,
                    false => {
                        running.parts = parts;
                        Vec::new()
                    }
                }
            };
            free_meters(self, stale).await;
        }
    }

    /// One meter per direction that has channels.
    async fn start_meters(
        &self,
        rate: f64,
        sink: &Sink,
    ) -> Result<Vec<(i32, Subscription)>, ServerError> {
        let options = self.options();
        let (outputs, inputs) = (
            options.output_bus_channel_count,
            options.input_bus_channel_count,
        );
        let directions = [
            (MeterSource::Outputs, 0, outputs),
            (MeterSource::Inputs, outputs as i32, inputs),
        ];
        let mut parts = Vec::new();
        for (source, bus, channels) in directions {
            if channels == 0 {
                continue;
            }
            match self.start_meter(source, bus, channels, rate, sink).await {
                Ok(part) => parts.push(part),
                Err(e) => {
                    free_meters(self, parts).await;
                    return Err(e);
                }
            }
        }
        Ok(parts)
    }

    async fn start_meter(
        &self,
        source: MeterSource,
        bus: i32,
        channels: u32,
        rate: f64,
        sink: &Sink,
    ) -> Result<(i32, Subscription), ServerError> {
        let (synthdef, data) = meter_def(channels);
        self.add_synthdef_bytes(data).await?;
        let node_id = self.allocate(IdKind::Node, 1).await?;
        let sink = sink.clone();
        let callback =
            self.register_osc_callback(Pattern::new(REPLY).arg(node_id), move |message| {
                match parse_peak_rms(message) {
                    Some((_, _, levels)) => {
                        (sink.lock().expect("meter sink lock"))(MeterReading { source, levels })
                    }
                    None => tracing::warn!(?message, "malformed meter reply dropped"),
                }
            });
        let start = Command::SNew {
            synthdef,
            node_id,
            add_action: AddAction::AddToTail,
            target: 0,
            controls: vec![
                ("bus".into(), bus.into()),
                ("rate".into(), rate.into()),
                ("id".into(), (source as i32).into()),
            ],
        };
        // On failure the callback ends with this function.
        self.execute(start).await?;
        Ok((node_id, callback))
    }
}

/// Frees meter synths and ends their callbacks.
async fn free_meters(server: &AsyncServer, parts: Vec<(i32, Subscription)>) {
    for (node_id, callback) in parts {
        callback.unregister();
        let free = Command::NFree {
            node_ids: vec![node_id],
        };
        if let Err(error) = server.execute(free).await {
            tracing::debug!(%error, "meter synth not freed (server gone?)");
        }
    }
}

impl<S> Meters<S> {
    /// Marks the meters stopped (nothing starts them again) and takes their parts.
    fn stopped_parts(&self) -> Vec<(i32, Subscription)> {
        let mut running = self.run.running.lock().expect("meters lock");
        running.stopped = true;
        std::mem::take(&mut running.parts)
    }
}

impl Meters<AsyncServer> {
    /// Frees the meter synths and stops the readings.
    pub async fn stop(&mut self) {
        free_meters(&self.server, self.stopped_parts()).await;
    }
}

impl Server {
    /// Meters every hardware channel (see [`AsyncServer::meters`]).
    pub fn meters(
        &self,
        rate: f64,
        on_reading: impl FnMut(MeterReading) + Send + 'static,
    ) -> Result<Meters<Server>, ServerError> {
        let meters = futures::executor::block_on(self.as_async().meters(rate, on_reading))?;
        Ok(Meters {
            server: self.clone(),
            run: meters.run.clone(),
        })
    }

    /// Meters as [`meters`](Self::meters), each reading sent to an actix recipient.
    pub fn subscribe_meters(
        &self,
        rate: f64,
        recipient: Recipient<MeterReading>,
    ) -> Result<Meters<Server>, ServerError> {
        self.meters(rate, move |reading| recipient.do_send(reading))
    }
}

impl Meters<Server> {
    /// Frees the meter synths and stops the readings.
    pub fn stop(&mut self) {
        futures::executor::block_on(free_meters(self.server.as_async(), self.stopped_parts()));
    }
}
