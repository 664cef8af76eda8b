//! The config file: named servers and their [`Options`], with errors that point into the file.
//!
//! ```toml
//! [defaults]              # optional: any option, for every server
//! boot_timeout = "5s"
//!
//! [[server]]
//! name = "a"              # required, unique
//! port = 57110
//!
//! [[server]]
//! name = "b"
//! port = 57111
//! restart = "on-failure"
//! ```
//!
//! An optional `[http]` table (`listen = "127.0.0.1:9100"`, `token = "..."`) makes `scserver run`
//! serve health, metrics and control over HTTP; see [`HttpConfig`].
//!
//! Option names are [`Options`]' field names; durations are humantime strings (`"2s"`, `"500ms"`).
//! A server's own keys override `[defaults]` key by key. Every error names the file, the 1-based
//! line and column and the field at fault.

use scserver_core::{Options, OptionsError};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// One `[[server]]` table: its name and its options with the defaults merged in.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerConfig {
    /// The server's unique name.
    pub name: String,
    /// Its options, validated.
    pub options: Options,
}

/// A parsed and validated config file.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The servers in file order.
    pub servers: Vec<ServerConfig>,
    /// The `[http]` table, when there is one.
    pub http: Option<HttpConfig>,
}

/// The `[http]` table: where `scserver run` serves `/healthz`, `/readyz`, `/metrics` and
/// `/servers`, and the bearer token it asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpConfig {
    /// The address and port to listen on.
    pub listen: std::net::SocketAddr,
    /// The bearer token requests must carry (required off loopback, unless the environment
    /// gives one).
    pub token: Option<String>,
}

impl HttpConfig {
    /// The keys an `[http]` table may have.
    const FIELDS: [&'static str; 2] = ["listen", "token"];
}

/// A place in a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file as it was named to [`Config::load`] or [`Config::from_str`].
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// Why a config file cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error(
        "cannot read config file {}: {error}; check the path and that it is a readable file",
        path.display()
    )]
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        error: std::io::Error,
    },
    /// The text is not TOML, or its top level is not `[defaults]` and `[[server]]`.
    #[error("{location}: {message}")]
    Syntax {
        /// Where.
        location: Location,
        /// The parser's message.
        message: String,
    },
    /// A key that is not an option.
    #[error("{location}: {table}: unknown field `{field}` (expected one of {expected})")]
    UnknownField {
        /// Where the key is.
        location: Location,
        /// `[defaults]`, `server "name"` or `server #n`.
        table: String,
        /// The key.
        field: String,
        /// The closest option names, or all of them when none is close.
        expected: String,
    },
    /// A value of the wrong type or form, e.g. a bad duration.
    #[error("{location}: {table}: field `{field}`: {message}")]
    InvalidValue {
        /// Where the key is.
        location: Location,
        /// `[defaults]`, `server "name"` or `server #n`.
        table: String,
        /// The key, with an index for array elements (`ugen_plugins_path[1]`).
        field: String,
        /// What is wrong with the value.
        message: String,
    },
    /// A `[[server]]` without `name`.
    #[error(
        "{location}: server #{index}: missing field `name`: give every [[server]] a unique name"
    )]
    MissingName {
        /// The server's table.
        location: Location,
        /// 1-based position among the servers.
        index: usize,
    },
    /// Two servers with one name.
    #[error(
        "{location}: server \"{name}\": field `name`: already used by the server at line \
         {first_line}; names must be unique"
    )]
    DuplicateName {
        /// The second server's `name` key.
        location: Location,
        /// The name.
        name: String,
        /// The line of the first server's `name` key.
        first_line: usize,
    },
    /// Two servers with one port (which scsynth also uses as its shared memory id).
    #[error(
        "{location}: server \"{name}\": field `port`: {port} is already used by server \
         \"{other}\"; give each server its own port"
    )]
    DuplicatePort {
        /// The second server's `port` key, or its table when the port is inherited.
        location: Location,
        /// The second server.
        name: String,
        /// The port.
        port: u16,
        /// The first server with that port.
        other: String,
    },
    /// The merged options fail [`Options::validate`].
    #[error("{location}: server \"{name}\": field `{}`: {error}", error.field())]
    Invalid {
        /// The key at fault in the server's table, else the table itself.
        location: Location,
        /// The server.
        name: String,
        /// What validation found.
        error: OptionsError,
    },
}

impl ConfigError {
    /// Where in the file the error is, for every error but [`ConfigError::Read`].
    pub fn location(&self) -> Option<&Location> {
        match self {
            ConfigError::Read { .. } => None,
            ConfigError::Syntax { location, .. }
            | ConfigError::UnknownField { location, .. }
            | ConfigError::InvalidValue { location, .. }
            | ConfigError::MissingName { location, .. }
            | ConfigError::DuplicateName { location, .. }
            | ConfigError::DuplicatePort { location, .. }
            | ConfigError::Invalid { location, .. } => Some(location),
        }
    }
}

/// A TOML table whose keys keep their spans, in file order.
struct SpannedTable(Vec<(Spanned<String>, toml::Value)>);

impl<'de> Deserialize<'de> for SpannedTable {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TableVisitor;

        impl<'de> Visitor<'de> for TableVisitor {
            type Value = SpannedTable;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SpannedTable, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    entries.push((key, map.next_value()?));
                }
                Ok(SpannedTable(entries))
            }
        }

        deserializer.deserialize_map(TableVisitor)
    }
}

impl SpannedTable {
    fn get(&self, key: &str) -> Option<&(Spanned<String>, toml::Value)> {
        self.0.iter().find(|(k, _)| k.get_ref() == key)
    }

    fn key_span(&self, key: &str) -> Option<Range<usize>> {
        self.get(key).map(|(k, _)| k.span())
    }

    fn to_table(&self, skip: &str) -> toml::Table {
        self.0
            .iter()
            .filter(|(k, _)| k.get_ref() != skip)
            .map(|(k, v)| (k.get_ref().clone(), v.clone()))
            .collect()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    defaults: Option<Spanned<SpannedTable>>,
    #[serde(default)]
    server: Vec<Spanned<SpannedTable>>,
    http: Option<Spanned<SpannedTable>>,
}

/// Turns byte offsets into locations in one file.
struct Source<'a> {
    text: &'a str,
    origin: &'a Path,
}

impl Source<'_> {
    fn at(&self, offset: usize) -> Location {
        let before = &self.text[..offset.min(self.text.len())];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Location {
            file: self.origin.to_path_buf(),
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }

    /// Checks a table's keys against the option names; `name` is allowed where `allow_name`.
    fn check_keys(
        &self,
        table: &SpannedTable,
        label: &str,
        allow_name: bool,
    ) -> Result<(), ConfigError> {
        let known = Options::field_names();
        for (key, _) in &table.0 {
            let key_text = key.get_ref().as_str();
            if known.contains(&key_text) || (allow_name && key_text == "name") {
                continue;
            }
            return Err(ConfigError::UnknownField {
                location: self.at(key.span().start),
                table: label.to_owned(),
                field: key_text.to_owned(),
                expected: expected_fields(key_text, known, allow_name),
            });
        }
        Ok(())
    }

    /// Deserializes options from `table`, pointing a failure at the key it names in `keys`.
    fn options(
        &self,
        table: toml::Table,
        keys: &SpannedTable,
        table_start: usize,
        label: &str,
    ) -> Result<Options, ConfigError> {
        serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|error| {
            let field = error.path().to_string();
            let key = field.split(['[', '.']).next().unwrap_or_default();
            let offset = keys.key_span(key).map_or(table_start, |span| span.start);
            ConfigError::InvalidValue {
                location: self.at(offset),
                table: label.to_owned(),
                field,
                message: error.inner().message().trim_end().to_owned(),
            }
        })
    }
}

impl Source<'_> {
    /// Reads the `[http]` table: a socket address to listen on and an optional non-empty token.
    fn http(&self, spanned: &Spanned<SpannedTable>) -> Result<HttpConfig, ConfigError> {
        let table = spanned.get_ref();
        let label = "[http]";
        let invalid = |key: &Spanned<String>, message: String| ConfigError::InvalidValue {
            location: self.at(key.span().start),
            table: label.to_owned(),
            field: key.get_ref().clone(),
            message,
        };
        let mut listen = None;
        let mut token = None;
        for (key, value) in &table.0 {
            match (key.get_ref().as_str(), value.as_str()) {
                ("listen", Some(text)) => {
                    listen = Some(text.parse().map_err(|_| {
                        invalid(
                            key,
                            format!("{text:?} is not an address and port, e.g. \"127.0.0.1:9100\""),
                        )
                    })?)
                }
                ("token", Some(text)) if !text.trim().is_empty() => token = Some(text.to_owned()),
                ("listen" | "token", _) => {
                    return Err(invalid(
                        key,
                        format!("expected a non-empty string, found {value}"),
                    ))
                }
                (other, _) => {
                    return Err(ConfigError::UnknownField {
                        location: self.at(key.span().start),
                        table: label.to_owned(),
                        field: other.to_owned(),
                        expected: expected_fields(other, &HttpConfig::FIELDS, false),
                    })
                }
            }
        }
        let listen = listen.ok_or_else(|| ConfigError::InvalidValue {
            location: self.at(spanned.span().start),
            table: label.to_owned(),
            field: "listen".into(),
            message: "missing: say where to serve HTTP, e.g. listen = \"127.0.0.1:9100\"".into(),
        })?;
        Ok(HttpConfig { listen, token })
    }
}

/// The option names close to `unknown`, or all of them when none is.
fn expected_fields(unknown: &str, known: &[&str], allow_name: bool) -> String {
    let all: Vec<&str> = allow_name
        .then_some("name")
        .into_iter()
        .chain(known.iter().copied())
        .collect();
    let close: Vec<&str> = all
        .iter()
        .copied()
        .filter(|candidate| {
            let limit = (unknown.len().max(candidate.len()) / 3).max(2);
            edit_distance(unknown, candidate) <= limit
                || (unknown.len() >= 3
                    && (candidate.starts_with(unknown) || unknown.starts_with(candidate)))
        })
        .collect();
    let shown = if close.is_empty() { all } else { close };
    shown
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

impl Config {
    /// Parses and validates config text; `origin` names the file in error messages.
    pub fn from_str(text: &str, origin: &Path) -> Result<Config, ConfigError> {
        let source = Source { text, origin };
        let raw: RawFile = toml::from_str(text).map_err(|error| ConfigError::Syntax {
            location: source.at(error.span().map_or(0, |span| span.start)),
            message: error.message().trim_end().replace('\n', "; "),
        })?;

        let empty = SpannedTable(Vec::new());
        let defaults = raw.defaults.as_ref().map_or(&empty, |d| d.get_ref());
        if let Some(table) = &raw.defaults {
            let label = "[defaults]";
            source.check_keys(defaults, label, false)?;
            // Checked alone so that a bad default is reported once, at its own line.
            source.options(defaults.to_table(""), defaults, table.span().start, label)?;
        }

        let mut servers: Vec<ServerConfig> = Vec::new();
        let mut name_lines: Vec<usize> = Vec::new();
        for (index, spanned) in raw.server.iter().enumerate() {
            let table = spanned.get_ref();
            let start = spanned.span().start;
            let numbered = format!("server #{}", index + 1);

            let Some((name_key, name_value)) = table.get("name") else {
                return Err(ConfigError::MissingName {
                    location: source.at(start),
                    index: index + 1,
                });
            };
            let name = match name_value.as_str() {
                Some(name) if !name.trim().is_empty() => name.to_owned(),
                _ => {
                    return Err(ConfigError::InvalidValue {
                        location: source.at(name_key.span().start),
                        table: numbered,
                        field: "name".into(),
                        message: format!("expected a non-empty string, found {name_value}"),
                    })
                }
            };
            let label = format!("server \"{name}\"");
            let name_location = source.at(name_key.span().start);
            if let Some(first) = servers.iter().position(|s| s.name == name) {
                return Err(ConfigError::DuplicateName {
                    location: name_location,
                    name,
                    first_line: name_lines[first],
                });
            }

            source.check_keys(table, &label, true)?;
            let mut merged = defaults.to_table("");
            merged.extend(table.to_table("name"));
            let options = source.options(merged, table, start, &label)?;

            let offset_of = |field: &str| table.key_span(field).map_or(start, |span| span.start);
            if let Err(error) = options.validate() {
                return Err(ConfigError::Invalid {
                    location: source.at(offset_of(error.field())),
                    name,
                    error,
                });
            }
            // A standby's port counts as its server's.
            let clash = servers.iter().find_map(|s| {
                let port = ports(&s.options).find(|p| ports(&options).any(|q| q == *p))?;
                Some((s, port))
            });
            if let Some((other, port)) = clash {
                return Err(ConfigError::DuplicatePort {
                    location: source.at(offset_of("port")),
                    name,
                    port,
                    other: other.name.clone(),
                });
            }

            name_lines.push(name_location.line);
            servers.push(ServerConfig { name, options });
        }
        let http = raw.http.as_ref().map(|t| source.http(t)).transpose()?;
        Ok(Config { servers, http })
    }

    /// Reads, parses and validates a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
            path: path.to_path_buf(),
            error,
        })?;
        Config::from_str(&text, path)
    }
}

/// The ports a server takes: its own, and its standby's.
fn ports(options: &Options) -> impl Iterator<Item = u16> {
    let standby = (options.standby > 0).then(|| options.standby_port());
    std::iter::once(options.port).chain(standby)
}

#[cfg(test)]
mod tests {
    use super::*;
    use scserver_core::options::RestartPolicy;
    use scserver_core::Protocol;
    use std::time::Duration;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::from_str(text, Path::new("config.toml"))
    }

    /// The error's text, which must start with `config.toml:<at>: `.
    fn error_at(text: &str, at: &str) -> String {
        let error = parse(text).expect_err("the config should be rejected");
        let message = error.to_string();
        assert!(
            message.starts_with(&format!("config.toml:{at}: ")),
            "expected an error at {at}, got: {message}"
        );
        let location = error.location().expect("a location");
        assert_eq!(format!("{}:{}", location.line, location.column), at);
        message
    }

    const GOOD: &str = r#"
[defaults]
boot_timeout = "5s"
load_synthdefs = false

[[server]]
name = "a"
port = 57110

[[server]]
name = "b"
port = 57111
protocol = "tcp"
boot_timeout = "500ms"
restart = "on-failure"
maximum_logins = 4
"#;

    #[test]
    fn good_two_server_config() {
        let config = parse(GOOD).unwrap();
        let names: Vec<&str> = config.servers.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        let (a, b) = (&config.servers[0].options, &config.servers[1].options);
        assert_eq!(a.port, 57110);
        assert_eq!(a.boot_timeout, Duration::from_secs(5), "from [defaults]");
        assert!(!a.load_synthdefs);
        assert_eq!(a.protocol, Protocol::Udp);
        assert_eq!(b.port, 57111);
        assert_eq!(b.protocol, Protocol::Tcp);
        assert_eq!(
            b.boot_timeout,
            Duration::from_millis(500),
            "overrides [defaults]"
        );
        assert!(!b.load_synthdefs);
        assert_eq!(b.restart, RestartPolicy::OnFailure);
        assert_eq!(b.maximum_logins, 4);
        assert_eq!(b.request_timeout, Options::default().request_timeout);
    }

    #[test]
    fn no_servers_is_an_empty_config() {
        assert!(parse("").unwrap().servers.is_empty());
    }

    #[test]
    fn unknown_field_in_a_server() {
        let message = error_at(
            "[[server]]\nname = \"a\"\n\n[[server]]\nname = \"b\"\nport = 57111\nprot = \"tcp\"\n",
            "7:1",
        );
        assert!(
            message.contains("server \"b\": unknown field `prot` (expected one of"),
            "{message}"
        );
        assert!(message.contains("`protocol`"), "{message}");
    }

    #[test]
    fn unknown_field_lists_everything_when_nothing_is_close() {
        let message = error_at("[[server]]\nname = \"a\"\n  zzzzzzzzzzzz = 1\n", "3:3");
        assert!(
            message.contains("`backoff_max`") && message.contains("`name`"),
            "{message}"
        );
    }

    #[test]
    fn unknown_field_in_defaults() {
        let message = error_at("[defaults]\nname = \"x\"\n", "2:1");
        assert!(
            message.contains("[defaults]: unknown field `name`"),
            "{message}"
        );
    }

    #[test]
    fn unknown_top_level_table() {
        let message = error_at("[defaults]\n[[servers]]\nname = \"a\"\n", "2:3");
        assert!(message.contains("unknown field `servers`"), "{message}");
    }

    #[test]
    fn not_toml() {
        error_at("[[server]]\nname = \"a\"\nport = = 1\n", "3:8");
    }

    #[test]
    fn server_must_be_an_array_of_tables() {
        error_at("\n[server]\nname = \"a\"\n", "2:1");
    }

    #[test]
    fn wrong_type() {
        let message = error_at("[[server]]\nname = \"a\"\nport = \"57110\"\n", "3:1");
        assert!(
            message.contains("server \"a\": field `port`: invalid type: string"),
            "{message}"
        );
    }

    #[test]
    fn wrong_type_in_an_array() {
        let message = error_at(
            "[[server]]\nname = \"a\"\n\tugen_plugins_path = [\"/x\", 3]\n",
            "3:2",
        );
        assert!(
            message.contains("field `ugen_plugins_path[1]`"),
            "{message}"
        );
    }

    #[test]
    fn bad_duration() {
        let message = error_at(
            "[[server]]\nname = \"a\"\nport = 1\nboot_timeout = \"2 parsecs\"\n",
            "4:1",
        );
        assert!(
            message.contains("field `boot_timeout`: invalid value: string \"2 parsecs\""),
            "{message}"
        );
    }

    #[test]
    fn bad_default_is_reported_at_defaults() {
        let message = error_at(
            "[defaults]\nrestart = \"sometimes\"\n\n[[server]]\nname = \"a\"\n",
            "2:1",
        );
        assert!(message.contains("[defaults]: field `restart`"), "{message}");
    }

    #[test]
    fn missing_name() {
        let message = error_at(
            "[[server]]\nname = \"a\"\n\n[[server]]\nport = 57111\n",
            "4:1",
        );
        assert!(
            message.contains("server #2: missing field `name`"),
            "{message}"
        );
    }

    #[test]
    fn name_must_be_a_string() {
        let message = error_at("[[server]]\nname = 3\n", "2:1");
        assert!(message.contains("server #1: field `name`"), "{message}");
    }

    #[test]
    fn duplicate_name() {
        let message = error_at(
            "[[server]]\nname = \"a\"\nport = 1\n\n[[server]]\nport = 2\nname = \"a\"\n",
            "7:1",
        );
        assert!(message.contains("at line 2"), "{message}");
    }

    #[test]
    fn duplicate_port() {
        let message = error_at(
            "[[server]]\nname = \"a\"\nport = 5000\n\n[[server]]\nname = \"b\"\nport = 5000\n",
            "7:1",
        );
        assert!(
            message.contains("server \"b\": field `port`: 5000 is already used by server \"a\""),
            "{message}"
        );
    }

    #[test]
    fn a_standby_port_is_taken_like_a_port() {
        let message = error_at(
            "[[server]]\nname = \"a\"\nport = 5000\nstandby = 1\n\n[[server]]\nname = \"b\"\nport = 6000\n",
            "8:1",
        );
        assert!(
            message.contains("server \"b\": field `port`: 6000 is already used by server \"a\""),
            "{message}"
        );
    }

    #[test]
    fn inherited_duplicate_port_points_at_the_table() {
        error_at(
            "[[server]]\nname = \"a\"\n\n[[server]]\nname = \"b\"\n",
            "4:1",
        );
    }

    #[test]
    fn validation_failure_points_at_the_key() {
        let message = error_at(
            "[[server]]\nname = \"a\"\nport = 1\naudio_bus_channel_count = 8\n",
            "4:1",
        );
        assert!(
            message.contains("server \"a\": field `audio_bus_channel_count`: "),
            "{message}"
        );
    }

    #[test]
    fn validation_failure_from_defaults_points_at_the_server() {
        let message = error_at(
            "[defaults]\nmaximum_logins = 40\n\n[[server]]\nname = \"a\"\n",
            "4:1",
        );
        assert!(message.contains("field `maximum_logins`"), "{message}");
    }

    #[test]
    fn columns_count_characters() {
        // `é` is two bytes but one column.
        error_at("[[server]]\nname = \"é\" x\n", "2:12");
    }

    #[test]
    fn http_table() {
        let config = parse(
            "[http]\nlisten = \"0.0.0.0:9100\"\ntoken = \"s3cret\"\n\n[[server]]\nname = \"a\"\n",
        )
        .unwrap();
        let http = config.http.expect("an [http] table");
        assert_eq!(http.listen, "0.0.0.0:9100".parse().unwrap());
        assert_eq!(http.token.as_deref(), Some("s3cret"));
        assert_eq!(parse("").unwrap().http, None, "off by default");
    }

    #[test]
    fn the_shipped_config_serves_http_once_uncommented() {
        let shipped = include_str!("../config.toml");
        assert_eq!(parse(shipped).unwrap().http, None, "off as shipped");
        let on = shipped
            .replace("# [http]", "[http]")
            .replace("# listen =", "listen =");
        let http = parse(&on).unwrap().http.expect("[http] on");
        assert_eq!(http.listen, "127.0.0.1:9100".parse().unwrap());
    }

    #[test]
    fn http_errors_point_at_the_key() {
        let message = error_at("[http]\nlisten = \"localhost\"\n", "2:1");
        assert!(
            message.contains("[http]: field `listen`: \"localhost\" is not an address and port"),
            "{message}"
        );
        let message = error_at("[http]\nlisten = 9100\n", "2:1");
        assert!(message.contains("expected a non-empty string"), "{message}");
        let message = error_at("[http]\nlisten = \"127.0.0.1:1\"\ntoken = \"\"\n", "3:1");
        assert!(message.contains("field `token`"), "{message}");
        let message = error_at("[http]\nlisen = \"127.0.0.1:1\"\n", "2:1");
        assert!(
            message.contains("[http]: unknown field `lisen` (expected one of `listen`)"),
            "{message}"
        );
        let message = error_at("\n[http]\ntoken = \"x\"\n", "2:1");
        assert!(message.contains("field `listen`: missing"), "{message}");
    }

    #[test]
    fn unreadable_file_names_the_path() {
        let path = Path::new("/nonexistent/scserver/config.toml");
        let error = Config::load(path).unwrap_err();
        assert!(matches!(error, ConfigError::Read { .. }));
        assert!(error.location().is_none());
        assert!(
            error
                .to_string()
                .contains("/nonexistent/scserver/config.toml"),
            "{error}"
        );
    }

    #[test]
    fn load_reads_a_file() {
        let path =
            std::env::temp_dir().join(format!("scserver-config-{}.toml", std::process::id()));
        std::fs::write(&path, GOOD).unwrap();
        let loaded = Config::load(&path);
        std::fs::remove_file(&path).unwrap();
        assert_eq!(loaded.unwrap(), parse(GOOD).unwrap());
    }
}
