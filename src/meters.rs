//! Level meters, as sclang's and supriya's: a `SendPeakRMS` synth at the tail of the root group
//! per direction (hardware outputs, hardware inputs) sends the peak and RMS of each channel
//! `rate` times a second.

use std::sync::{Arc, Mutex};

use actix::{Message, Recipient};
use scserver_actors::ServerError;
use scserver_core::command::{AddAction, Command};
use scserver_core::levels::parse_peak_rms;
pub use scserver_core::levels::Level;
use scserver_core::Pattern;
use scserver_synthdef::ugens::{In, SendPeakRMS};
use scserver_synthdef::SynthDefBuilder;

use crate::{AsyncServer, IdKind, Server, Subscription};

/// The address meter replies come to.
const REPLY: &str = "/scserver_meters";

/// Which buses a reading is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeterSource {
    /// The hardware outputs (buses 0 ..).
    Outputs,
    /// The hardware inputs (the buses after the outputs).
    Inputs,
}

/// One reading of one direction: a level per channel.
#[derive(Debug, Clone, PartialEq, Message)]
#[rtype(result = "()")]
pub struct MeterReading {
    /// Outputs or inputs.
    pub source: MeterSource,
    /// Per channel, from the first bus of the direction.
    pub levels: Vec<Level>,
}

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

/// Running meters (see [`AsyncServer::meters`]); `stop` ends them. From a [`Server`] its
/// `stop` blocks.
pub struct Meters<S = AsyncServer> {
    server: S,
    /// Each meter synth's node id and the callback of its replies.
    parts: Vec<(i32, Subscription)>,
}

impl<S> std::fmt::Debug for Meters<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let nodes: Vec<i32> = self.parts.iter().map(|(node, _)| *node).collect();
        f.debug_struct("Meters").field("nodes", &nodes).finish()
    }
}

type Sink = Arc<Mutex<dyn FnMut(MeterReading) + Send>>;

impl AsyncServer {
    /// Meters every hardware output and input channel `rate` times a second; each reading goes
    /// to `on_reading`, on the reply router's thread (it must not block).
    pub async fn meters(
        &self,
        rate: f64,
        on_reading: impl FnMut(MeterReading) + Send + 'static,
    ) -> Result<Meters, ServerError> {
        let sink: Sink = Arc::new(Mutex::new(on_reading));
        let options = self.options();
        let (outputs, inputs) = (
            options.output_bus_channel_count,
            options.input_bus_channel_count,
        );
        let mut meters = Meters {
            server: self.clone(),
            parts: Vec::new(),
        };
        let directions = [
            (MeterSource::Outputs, 0, outputs),
            (MeterSource::Inputs, outputs as i32, inputs),
        ];
        for (source, bus, channels) in directions {
            if channels == 0 {
                continue;
            }
            match self.start_meter(source, bus, channels, rate, &sink).await {
                Ok(part) => meters.parts.push(part),
                Err(e) => {
                    meters.stop().await;
                    return Err(e);
                }
            }
        }
        Ok(meters)
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

impl Meters<AsyncServer> {
    /// Frees the meter synths and stops the readings.
    pub async fn stop(&mut self) {
        for (node_id, callback) in std::mem::take(&mut self.parts) {
            callback.unregister();
            let free = Command::NFree {
                node_ids: vec![node_id],
            };
            if let Err(error) = self.server.execute(free).await {
                tracing::debug!(%error, "meter synth not freed (server gone?)");
            }
        }
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
            parts: meters.parts,
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
        let mut meters = Meters {
            server: self.server.as_async().clone(),
            parts: std::mem::take(&mut self.parts),
        };
        futures::executor::block_on(meters.stop());
    }
}
