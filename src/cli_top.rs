//! `scserver top`: a live terminal view of the servers of a running `scserver run`, read from its
//! HTTP service's `/servers` a few times a second, so it shows what the supervisor knows
//! (phase, restarts, heartbeat round trips) and takes no login on any scsynth.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};
use ratatui::Frame;
use serde::Deserialize;

use crate::cli_http::TOKEN_ENV;

/// Where to find the running `scserver run`.
#[derive(Args)]
pub struct TopArgs {
    /// The HTTP port of a `scserver run` on this machine.
    #[arg(long, short, conflicts_with = "config")]
    port: Option<u16>,
    /// The config file of a running `scserver run`; its `[http]` table says where it listens.
    #[arg(default_value = "config.toml")]
    config: PathBuf,
    /// How often to refresh.
    #[arg(long, default_value = "250ms", value_parser = humantime::parse_duration)]
    interval: Duration,
}

/// One server as `/servers` shows it (the fields the view uses).
#[derive(Debug, Deserialize)]
struct ServerRow {
    name: String,
    phase: String,
    state: String,
    pid: Option<u32>,
    uptime_seconds: Option<f64>,
    cpu_average: Option<f32>,
    cpu_peak: Option<f32>,
    synths: Option<u32>,
    ugens: Option<u32>,
    restarts: u32,
    #[serde(default)]
    standby_port: Option<u16>,
    heartbeat_round_trip_seconds: Option<f64>,
    #[serde(default)]
    output_levels: Vec<LevelRow>,
}

#[derive(Debug, Deserialize)]
struct LevelRow {
    peak: f32,
}

/// How to reach `/servers`.
struct Source {
    address: SocketAddr,
    token: Option<String>,
}

impl TopArgs {
    fn source(&self) -> Result<Source, String> {
        let env = std::env::var(TOKEN_ENV)
            .ok()
            .filter(|t| !t.trim().is_empty());
        if let Some(port) = self.port {
            return Ok(Source {
                address: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port),
                token: env,
            });
        }
        let config = scserver::Config::load(&self.config).map_err(|e| e.to_string())?;
        let http = config.http.ok_or_else(|| {
            format!(
                "{} has no [http] table: `scserver top` reads the servers from the HTTP service \
                 of `scserver run`; add `[http] listen = \"127.0.0.1:9100\"` or give --port",
                self.config.display()
            )
        })?;
        // A wildcard listener is reached on loopback.
        let ip = match http.listen.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        Ok(Source {
            address: SocketAddr::new(ip, http.listen.port()),
            token: env.or(http.token),
        })
    }
}

impl Source {
    /// `GET /servers`, bounded by `timeout` for the connect and for each read and write.
    fn servers(&self, timeout: Duration) -> Result<Vec<ServerRow>, String> {
        let fail = |e: std::io::Error| format!("http://{}/servers: {e}", self.address);
        let mut stream = TcpStream::connect_timeout(&self.address, timeout).map_err(fail)?;
        stream.set_read_timeout(Some(timeout)).map_err(fail)?;
        stream.set_write_timeout(Some(timeout)).map_err(fail)?;
        let auth = self
            .token
            .as_deref()
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        write!(
            stream,
            "GET /servers HTTP/1.1\r\nHost: {}\r\n{auth}Connection: close\r\n\r\n",
            self.address
        )
        .map_err(fail)?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).map_err(fail)?;
        let text = String::from_utf8_lossy(&response);
        let (head, body) = text
            .split_once("\r\n\r\n")
            .ok_or_else(|| format!("http://{}/servers: a response without a body", self.address))?;
        let status = head.split(' ').nth(1).unwrap_or_default();
        if status != "200" {
            return Err(format!("http://{}/servers: {status}: {body}", self.address));
        }
        serde_json::from_str(body).map_err(|e| format!("http://{}/servers: {e}", self.address))
    }
}

/// Runs the view until `q` (or Esc, or Ctrl-C).
pub fn top(args: TopArgs) -> ExitCode {
    let source = match args.source() {
        Ok(source) => source,
        Err(e) => return crate::fail(&e),
    };
    let mut terminal = ratatui::init();
    let result = view(&mut terminal, &source, args.interval);
    ratatui::restore();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => crate::fail(&format!("terminal: {e}")),
    }
}

fn view(
    terminal: &mut ratatui::DefaultTerminal,
    source: &Source,
    interval: Duration,
) -> std::io::Result<()> {
    let mut servers = Vec::new();
    loop {
        // On a failed read the last rows stay, under the error.
        let problem = match source.servers(Duration::from_secs(1)) {
            Ok(fresh) => {
                servers = fresh;
                None
            }
            Err(e) => Some(e),
        };
        terminal.draw(|frame| draw(frame, source, &servers, problem.as_deref()))?;
        let next = Instant::now() + interval;
        while let Some(left) = next.checked_duration_since(Instant::now()) {
            if !event::poll(left)? {
                break;
            }
            if let Event::Key(key) = event::read()? {
                let ctrl_c =
                    key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
                let quit = matches!(key.code, KeyCode::Char('q') | KeyCode::Esc) || ctrl_c;
                if key.kind == KeyEventKind::Press && quit {
                    return Ok(());
                }
            }
        }
    }
}

fn draw(frame: &mut Frame, source: &Source, servers: &[ServerRow], problem: Option<&str>) {
    let [title, table, meters] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(servers.len() as u16 + 3),
        Constraint::Min(3),
    ])
    .areas(frame.area());
    let heading = match problem {
        Some(p) => Line::from(vec![
            Span::raw(format!("scserver top  http://{}  ", source.address)),
            Span::styled(p.to_owned(), Style::new().fg(Color::Red)),
        ]),
        None => Line::from(format!(
            "scserver top  http://{}  {} servers  (q quits)",
            source.address,
            servers.len()
        )),
    };
    frame.render_widget(Paragraph::new(heading), title);
    frame.render_widget(server_table(servers), table);
    frame.render_widget(level_meters(servers, meters), meters);
}

fn server_table(servers: &[ServerRow]) -> Table<'_> {
    let dash = || "-".to_owned();
    let rows = servers.iter().map(|s| {
        let state = format!("{}/{}", s.phase, s.state);
        let colour = match s.phase.as_str() {
            "running" if s.state == "online" => Color::Green,
            "starting" | "restarting" => Color::Yellow,
            _ => Color::Red,
        };
        Row::new(vec![
            Cell::from(s.name.clone()),
            Span::styled(state, Style::new().fg(colour)).into(),
            s.pid.map_or_else(dash, |p| p.to_string()).into(),
            s.uptime_seconds.map_or_else(dash, uptime).into(),
            s.cpu_average
                .map_or_else(dash, |c| format!("{c:.1}%"))
                .into(),
            s.cpu_peak.map_or_else(dash, |c| format!("{c:.1}%")).into(),
            s.synths.map_or_else(dash, |n| n.to_string()).into(),
            s.ugens.map_or_else(dash, |n| n.to_string()).into(),
            s.restarts.to_string().into(),
            s.standby_port.map_or_else(dash, |p| p.to_string()).into(),
            s.heartbeat_round_trip_seconds
                .map_or_else(dash, |t| format!("{:.2} ms", t * 1000.0))
                .into(),
        ])
    });
    let header = Row::new([
        "server",
        "state",
        "pid",
        "uptime",
        "cpu avg",
        "cpu peak",
        "synths",
        "ugens",
        "restarts",
        "standby",
        "heartbeat",
    ])
    .bold();
    let widths = [
        Constraint::Min(8),
        Constraint::Length(20),
        Constraint::Length(8),
        Constraint::Length(10),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(8),
        Constraint::Length(7),
        Constraint::Length(10),
    ];
    Table::new(rows, widths)
        .header(header)
        .block(Block::bordered().title(" servers "))
}

fn uptime(seconds: f64) -> String {
    let s = seconds as u64;
    match s {
        0..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
    }
}

/// The meters show -60 dBFS and up.
const FLOOR_DB: f32 = -60.0;

/// How much of a bar an amplitude fills, on a dB scale.
fn fill(amplitude: f32) -> f32 {
    let db = 20.0 * amplitude.max(1e-9).log10();
    ((db - FLOOR_DB) / -FLOOR_DB).clamp(0.0, 1.0)
}

/// One line per server: a bar per output channel, its peak on a dB scale.
fn level_meters(servers: &[ServerRow], area: Rect) -> Paragraph<'_> {
    let name_width = servers.iter().map(|s| s.name.len()).max().unwrap_or(0) + 2;
    let inner = area.width.saturating_sub(2) as usize;
    let lines: Vec<Line> = servers
        .iter()
        .map(|s| {
            let mut spans = vec![Span::raw(format!("{:name_width$}", s.name))];
            let channels = s.output_levels.len().max(1);
            let width = (inner.saturating_sub(name_width) / channels).saturating_sub(1);
            for level in &s.output_levels {
                let lit = (fill(level.peak) * width as f32).round() as usize;
                let colour = if level.peak >= 1.0 {
                    Color::Red
                } else {
                    Color::Green
                };
                spans.push(Span::styled("█".repeat(lit), Style::new().fg(colour)));
                spans.push(Span::styled(
                    "░".repeat(width - lit) + " ",
                    Style::new().fg(Color::DarkGray),
                ));
            }
            Line::from(spans)
        })
        .collect();
    Paragraph::new(lines).block(Block::bordered().title(" output levels (peak, -60..0 dBFS) "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_fill_on_a_db_scale() {
        assert_eq!(fill(0.0), 0.0);
        assert_eq!(fill(1.0), 1.0);
        assert_eq!(fill(2.0), 1.0);
        assert!((fill(0.001) - 0.0).abs() < 1e-6, "-60 dB is the floor");
        assert!((fill(0.0316) - 0.5).abs() < 0.01, "-30 dB is half way");
    }

    #[test]
    fn uptimes_read_as_minutes_or_hours() {
        assert_eq!(uptime(61.5), "1m01s");
        assert_eq!(uptime(7260.0), "2h01m");
    }
}
